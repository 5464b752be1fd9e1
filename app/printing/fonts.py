"""The CJK font every document embeds, and the check of printed text against its character map.

Where the font comes from, first hit wins:
  1. an explicit path (settings / ``--font``), else the ``KACE_FONT`` environment variable;
     ``path#N`` picks face N of a .ttc collection;
  2. Windows: simsun.ttc, simhei.ttf, msyh.ttc under %WINDIR%\\Fonts (and the per-user font folder);
  3. Linux: WenQuanYi Micro Hei / Zen Hei, AR PL UMing / UKai, Droid Sans Fallback, searched under
     /usr/share/fonts, /usr/local/share/fonts, ~/.fonts, ~/.local/share/fonts;
  4. any other Chinese font fc-list knows, if fc-list is installed.

Only TrueType-outline fonts qualify: reportlab embeds those (as subsets, so the PDF prints the same
everywhere) and refuses CFF/OpenType ones such as Noto CJK. The reportlab CID font STSong-Light is never
used: it is not embedded and prints differently on every machine.

Rare name characters (㛃, 䶮...) are often absent even from a good font. Every string a document
prints goes through a `FontCheck`, which replaces what the font lacks by a visible mark and records the
character with the record and field it belongs to, so the caller can report it instead of the paper
silently showing empty boxes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

ENV_VAR = "KACE_FONT"

# (file name, face index inside a .ttc) in order of preference.
WINDOWS_FONTS = (("simsun.ttc", 0), ("simhei.ttf", 0), ("msyh.ttc", 0))
LINUX_FONTS = (
    ("wqy-microhei.ttc", 0),
    ("wqy-zenhei.ttc", 0),
    ("uming.ttc", 0),  # face 0 is "AR PL UMing CN"
    ("ukai.ttc", 0),
    ("DroidSansFallbackFull.ttf", 0),
    ("DroidSansFallback.ttf", 0),
)
LINUX_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts")

INSTALL_HINT = (
    "请安装 TrueType 中文字体：Linux 可执行 sudo apt install fonts-wqy-microhei（文泉驿微米黑）"
    "或 fonts-arphic-uming（文鼎明体）；Windows 自带宋体 simsun.ttc、黑体 simhei.ttf。"
    f"也可用 --font 或环境变量 {ENV_VAR} 指定 .ttf/.ttc 字体文件。"
)

# Characters that are layout, not ink: never looked up in the character map.
_LAYOUT_CHARS = frozenset("\n\r\t")
# Printed in place of a character the font lacks; the first one the font has is used.
_MARKS = ("〓", "□", "?")


class FontError(Exception):
    """No usable font; the message is Chinese and says what to do."""


class MissingCharsError(Exception):
    """Strict printing refused: the font lacks characters the document needs. No file was written."""

    def __init__(self, missing: list[MissingChar]):
        self.missing = missing
        lines = "\n".join(str(m) for m in missing[:20])
        more = f"\n……共 {len(missing)} 处" if len(missing) > 20 else ""
        super().__init__(f"字体中缺少以下字符，未生成文件：\n{lines}{more}\n{INSTALL_HINT}")


@dataclass(frozen=True)
class FontSpec:
    """A font file and the face to use inside it (.ttc collections hold several)."""

    path: Path
    index: int = 0


@dataclass(frozen=True)
class CJKFont:
    """A registered reportlab font: `name` is what canvases and styles use."""

    name: str
    spec: FontSpec
    ttfont: TTFont

    @property
    def cmap(self) -> Mapping[int, int]:
        return self.ttfont.face.charToGlyph


@dataclass(frozen=True)
class MissingChar:
    """One character the font cannot draw, where it occurs (record and field) and the whole text."""

    char: str
    record: str
    field: str
    text: str

    def __str__(self) -> str:
        where = " ".join(p for p in (self.record, self.field) if p)
        return f"{where}「{self.text}」缺字“{self.char}”（U+{ord(self.char):04X}）"


def outline_kind(spec: FontSpec) -> str:
    """'truetype', 'cff' (PostScript outlines, which reportlab cannot embed) or 'unknown'."""
    try:
        with open(spec.path, "rb") as f:
            head = f.read(4)
            if head == b"ttcf":  # collection: the header lists one offset per face
                f.seek(12 + 4 * spec.index)
                f.seek(int.from_bytes(f.read(4), "big"))
                head = f.read(4)
    except OSError:
        return "unknown"
    if head in (b"\x00\x01\x00\x00", b"true"):
        return "truetype"
    return "cff" if head == b"OTTO" else "unknown"


def _cff_error(spec: FontSpec) -> FontError:
    return FontError(
        f"字体 {spec.path} 是 CFF/OpenType（PostScript 轮廓）字体，reportlab 无法把它嵌入 PDF。" + INSTALL_HINT
    )


def parse_spec(text: str | os.PathLike) -> FontSpec:
    """'C:/Windows/Fonts/msyh.ttc#1' -> face 1 of that file; a plain path -> face 0."""
    text = os.fspath(text)
    path, sep, index = text.rpartition("#")
    if sep and index.isdigit():
        return FontSpec(Path(path).expanduser(), int(index))
    return FontSpec(Path(text).expanduser())


def _walk_fonts(dirs: tuple[str, ...]) -> dict[str, Path]:
    """Lower-case file name -> first path found, for every font file under `dirs`."""
    found: dict[str, Path] = {}
    for top in dirs:
        for root, _dirs, files in os.walk(os.path.expanduser(top)):
            for name in files:
                found.setdefault(name.lower(), Path(root, name))
    return found


def _fc_list() -> list[FontSpec]:
    """Chinese fonts fontconfig knows, as (file, face index)."""
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "file", "index"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    specs = []
    for line in sorted(out.splitlines()):
        path, _, rest = line.partition(":")
        index = rest.split("=")[-1].strip() if "index=" in rest else "0"
        specs.append(FontSpec(Path(path.strip()), int(index) if index.isdigit() else 0))
    return specs


def candidates(
    env: Mapping[str, str] | None = None, linux_dirs: tuple[str, ...] = LINUX_DIRS, use_fc_list: bool = True
) -> Iterator[FontSpec]:
    """Font files to try after the explicit one, in the documented order (existing files only)."""
    env = os.environ if env is None else env
    if sys.platform == "win32" or "WINDIR" in env:
        folders = [Path(env.get("WINDIR", r"C:\Windows"), "Fonts")]
        if env.get("LOCALAPPDATA"):
            folders.append(Path(env["LOCALAPPDATA"], "Microsoft", "Windows", "Fonts"))
        for name, index in WINDOWS_FONTS:
            for folder in folders:
                if (folder / name).is_file():
                    yield FontSpec(folder / name, index)
    found = _walk_fonts(linux_dirs)
    for name, index in LINUX_FONTS:
        if name.lower() in found:
            yield FontSpec(found[name.lower()], index)
    if use_fc_list:
        yield from _fc_list()


def find_font(
    explicit: str | os.PathLike | None = None,
    env: Mapping[str, str] | None = None,
    linux_dirs: tuple[str, ...] = LINUX_DIRS,
    use_fc_list: bool = True,
) -> FontSpec:
    """The font to embed (see the module docstring for the order). Raises FontError in Chinese."""
    env = os.environ if env is None else env
    chosen = explicit or env.get(ENV_VAR)
    if chosen:
        spec = parse_spec(chosen)
        if not spec.path.is_file():
            raise FontError(f"找不到字体文件：{spec.path}")
        if outline_kind(spec) == "cff":
            raise _cff_error(spec)
        return spec
    cff = None
    for spec in candidates(env, linux_dirs, use_fc_list):
        kind = outline_kind(spec)
        if kind == "truetype":
            return spec
        cff = cff or (spec if kind == "cff" else None)
    if cff:  # only CFF fonts on this machine: say why they will not do
        raise _cff_error(cff)
    raise FontError("未找到可嵌入 PDF 的中文 TrueType 字体。" + INSTALL_HINT)


_registered: dict[FontSpec, CJKFont] = {}  # parsing a CJK font takes ~0.1 s: do it once per process


def load_font(font: str | os.PathLike | FontSpec | CJKFont | None = None) -> CJKFont:
    """Find (unless given) and register the font with reportlab."""
    if isinstance(font, CJKFont):
        return font
    spec = font if isinstance(font, FontSpec) else find_font(font)
    if spec not in _registered:
        if outline_kind(spec) == "cff":
            raise _cff_error(spec)
        name = f"KaceCJK{len(_registered)}"
        try:
            ttfont = TTFont(name, str(spec.path), subfontIndex=spec.index)
        except (TTFError, OSError, ValueError) as exc:
            raise FontError(f"无法读取字体 {spec.path}：{exc}。" + INSTALL_HINT) from exc
        pdfmetrics.registerFont(ttfont)
        _registered[spec] = CJKFont(name, spec, ttfont)
    return _registered[spec]


def missing_chars(font: CJKFont | TTFont, text: str) -> set[str]:
    """The characters of `text` the font has no glyph for (line breaks and tabs are not ink)."""
    cmap = font.cmap if isinstance(font, CJKFont) else font.face.charToGlyph
    return {c for c in text if ord(c) not in cmap and c not in _LAYOUT_CHARS}


class FontCheck:
    """Checks every printed string against the font and collects what it lacks, per record and field.

    `text()` is the one gate text passes on its way to the page: it returns the string to draw, with
    each missing character replaced by a visible mark (〓), and records a MissingChar once per
    (record, field, character).
    """

    def __init__(self, font: CJKFont):
        self.font = font
        self._cmap = font.cmap
        self._ok: set[str] = set(_LAYOUT_CHARS)  # characters already found in the font
        self._seen: set[tuple[str, str, str]] = set()
        self.missing: list[MissingChar] = []
        self.current_record = ""
        self.mark = next((m for m in _MARKS if ord(m) in self._cmap), "?")

    @contextmanager
    def record(self, label: str) -> Iterator[None]:
        """Attribute what is checked inside the block to `label` (e.g. '户编号 450881104201-01-0001')."""
        outer, self.current_record = self.current_record, label
        try:
            yield
        finally:
            self.current_record = outer

    def text(self, value: object, field: str = "") -> str:
        """`value` as the string to print ('' for None), with missing characters marked and recorded."""
        if value is None:
            return ""
        text = value if isinstance(value, str) else str(value)
        if self._ok.issuperset(text):  # the common case, at C speed
            return text
        out = []
        for c in text:
            if c in self._ok:
                out.append(c)
            elif ord(c) in self._cmap:
                self._ok.add(c)
                out.append(c)
            else:
                self._note(c, field, text)
                out.append(self.mark)
        return "".join(out)

    def _note(self, char: str, field: str, text: str) -> None:
        key = (self.current_record, field, char)
        if key not in self._seen:
            self._seen.add(key)
            self.missing.append(MissingChar(char, self.current_record, field, text))
