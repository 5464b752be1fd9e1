"""`kace print card|mingbai|register|notice|visit-form|exit-form --db P (--household 户编号 | --village CODE)
[--kind identify|exit|monitor] [--members] [--year Y] [--font PATH] [--strict] [--blank] --out F.pdf`.

Exit codes: 0 printed; 2 bad arguments, unknown household or village, nothing to print, no usable font
(Chinese message on stderr, no file written); 1 `--strict` and the font lacks characters (no file).
Characters the font lacks are listed on stderr with their record (户编号, field); without --strict the
PDF is still written, with 〓 in their place. The PDF is written to a temporary file and renamed, so a
failure never leaves half a file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.commands.common import UsageError, db_arg
from app.commands.databases import open_context

NAME = "print"
HELP = "打印户卡、明白卡、村册、公示、走访记录表、退出验收表（PDF）"
DOCUMENT_HELP = "card 户有卡 | mingbai 明白卡 | register 村有册 | notice 公示 | visit-form 走访记录表 | exit-form 退出验收表"
MAX_LISTED = 200  # missing characters listed one by one; beyond that only the count


def add_arguments(parser) -> None:
    parser.add_argument("document", choices=["card", "mingbai", "register", "notice", "visit-form", "exit-form"],
                        help=DOCUMENT_HELP)
    db_arg(parser)
    scope = parser.add_mutually_exclusive_group()  # one of them is required: checked in run(), in Chinese
    scope.add_argument("--household", metavar="户编号", help="打印一户")
    scope.add_argument("--village", metavar="区划代码", help="打印全村（12位村级区划代码）")
    parser.add_argument("--kind", choices=["identify", "exit", "monitor"], default=None,
                        help="公示类型：identify 拟识别（默认）、exit 拟退出、monitor 监测对象")
    parser.add_argument("--members", action="store_true", help="村册按人（每个家庭成员一行）")
    parser.add_argument("--year", type=int, default=None, help="年度（默认今年）")
    parser.add_argument("--font", metavar="PATH", default=None,
                        help="中文 TrueType 字体文件（.ttf/.ttc，可写 路径#序号 选 .ttc 中的字体）")
    parser.add_argument("--strict", action="store_true", help="字体缺字时不生成文件")
    parser.add_argument("--blank", action="store_true", help="走访记录表打印空白表（不填最近一次走访）")
    parser.add_argument("--out", type=Path, required=True, help="输出 PDF 文件")


def _warn(text: str) -> None:
    print(text, file=sys.stderr)


def _request(args):
    from app.printing.print_jobs import PrintRequest

    if not args.household and not args.village:
        raise UsageError("请用 --household 指定一户（户编号），或用 --village 指定一个村（区划代码）")
    if args.kind and args.document != "notice":
        _warn("提示：--kind 只用于 notice（公示），已忽略。")
    if args.members and args.document != "register":
        _warn("提示：--members 只用于 register（村册），已忽略。")
    if args.blank and args.document != "visit-form":
        _warn("提示：--blank 只用于 visit-form（走访记录表），已忽略。")
    if args.year is not None and not 2000 <= args.year <= 2100:
        raise UsageError(f"年度不正确：{args.year}")
    return PrintRequest(
        document=args.document, households=(args.household,) if args.household else (), village=args.village,
        kind=args.kind or "identify", members=args.members, year=args.year, blank=args.blank,
    )


def report_missing(missing) -> None:
    """List each missing character with its record (household code, field) on stderr."""
    out = sys.stderr
    print(f"警告：字体缺少 {len(missing)} 处字符，PDF 中以“〓”代替，请核对或用 --font 换用含这些字的字体：", file=out)
    for m in missing[:MAX_LISTED]:
        print(f"  {m}", file=out)
    if len(missing) > MAX_LISTED:
        print(f"  ……共 {len(missing)} 处", file=out)


def run(args) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from app.printing.print_jobs import DOCUMENTS, NotFound, NothingToPrint, prepare
    from app.printing import FontError, MissingCharsError, PrintOptions, load_font

    request = _request(args)
    out: Path = args.out
    if not out.parent.is_dir():
        raise UsageError(f"输出文件夹不存在：{out.parent}")
    ctx = open_context(args)
    try:
        try:
            prepared = prepare(ctx, request)
        except (NotFound, NothingToPrint) as e:
            raise UsageError(e.message) from e
        try:
            font = load_font(args.font)
        except FontError as e:
            raise UsageError(str(e)) from e
        console = Console(stderr=True)
        shown = prepared.households > 1 and console.is_terminal  # a village batch, on a terminal
        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=True, disable=not shown) as progress:
            task = progress.add_task(f"打印{DOCUMENTS[request.document]}", total=len(prepared.items))
            opts = PrintOptions(font=font, print_date=ctx.today, strict=args.strict,
                                progress=lambda done, total: progress.update(task, completed=done, total=total))
            try:
                result = prepared.write(out, opts)
            except MissingCharsError as e:
                report_missing(e.missing)
                _warn(f"错误：字体 {font.spec.path} 缺字，按 --strict 未生成文件。")
                return 1
    finally:
        ctx.engine.dispose()
    if result.missing:
        report_missing(result.missing)
    what = prepared.title
    if prepared.households > 1:
        what += f"（{prepared.households}户）"
    print(f"已生成 {out}：{what}，共 {result.pages} 页（字体 {font.spec.path.name}）")
    return 0
