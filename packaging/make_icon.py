"""Draw Kace's icon: a red rounded square with a white 卡. Writes resources/kace.png and kace.ico.

    .venv/bin/python packaging/make_icon.py [--font FILE]

The character is drawn with an installed CJK font (WenQuanYi Micro Hei by default, found with
fc-match); no font file is committed. The outputs are committed, so the build does not need a font.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
RED = (200, 30, 30, 255)  # 中国红, a little darker so the white character stands out
WHITE = (255, 255, 255, 255)
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]
KNOWN_FONTS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def find_font() -> str:
    if shutil.which("fc-match"):
        out = subprocess.run(["fc-match", "-f", "%{file}", "WenQuanYi Micro Hei:charset=5361"],
                             capture_output=True, text=True).stdout.strip()
        if out and Path(out).exists() and "wqy" in out.lower():
            return out
    for f in KNOWN_FONTS:
        if Path(f).exists():
            return f
    raise SystemExit("no WenQuanYi font: apt-get install fonts-wqy-microhei, or pass --font FILE")


def draw(size: int, font_file: str) -> Image.Image:
    """One size drawn directly (sharper at 16-32 px than scaling the 256 px image down)."""
    scale = 4  # supersample, then reduce: smooth edges
    big = size * scale
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.18, fill=RED)
    font = ImageFont.truetype(font_file, int(big * 0.78))
    d.text((big / 2, big / 2), "卡", font=font, fill=WHITE, anchor="mm")
    return img.resize((size, size), Image.LANCZOS)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--font", help="a TrueType/TTC font with the character 卡")
    ap.add_argument("--out", type=Path, default=ROOT / "resources")
    args = ap.parse_args()
    font_file = args.font or find_font()
    args.out.mkdir(parents=True, exist_ok=True)
    draw(256, font_file).save(args.out / "kace.png", optimize=True)
    images = {s: draw(s, font_file) for s, _ in ICO_SIZES}
    images[256].save(args.out / "kace.ico", sizes=ICO_SIZES,
                     append_images=[images[s] for s, _ in ICO_SIZES[:-1]])
    print(f"wrote {args.out / 'kace.png'} and {args.out / 'kace.ico'} (font {font_file})")


if __name__ == "__main__":
    main()
