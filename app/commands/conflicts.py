"""`kace conflicts`: the review items sync found (app/db/review.py), and resolving one of them.

    kace conflicts --db P [--json]
    kace conflicts resolve --db P ITEM_ID (--choose PREFIX | --value V | --action ACTION)

An item id may be given whole or as a unique beginning; --choose takes the beginning of a
candidate's change id (shown in the list) or, for a household registered twice, of the id of the
household to keep.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import UTC
from pathlib import Path

from app import paths

NAME = "conflicts"
HELP = "同步冲突：列出待处理项，或处理其中一项"
ACTIONS = ("keep-deleted", "restore", "delete-member", "dismiss")
KIND_NAMES = {"field": "字段冲突", "delete_edit": "删除与修改", "orphan_member": "已删户新增成员",
              "duplicate": "重复登记", "parked": "未应用的变更"}
# what each kind accepts, in the words of the command line (for the hint under the list)
KIND_HINTS = {"field": "--choose 候选编号 或 --value 新值", "delete_edit": "--action keep-deleted 或 restore",
              "orphan_member": "--action restore 或 delete-member", "duplicate": "--choose 要保留的户的编号",
              "parked": "--action dismiss"}


def add_arguments(parser) -> None:
    from app.commands.common import ChineseArgumentParser, db_arg

    db_arg(parser)
    parser.add_argument("--db-url", metavar="URL",
                        help="县服务器数据库（只列出，例如搁置待审核的变更；处理请在笔记本上进行）")
    parser.add_argument("--json", action="store_true", help="输出 JSON")
    sub = parser.add_subparsers(dest="conflicts_command", parser_class=ChineseArgumentParser)
    resolve = sub.add_parser("resolve", help="处理一个待处理项")
    # SUPPRESS: `kace conflicts --db P resolve ...` keeps the --db given before `resolve`
    resolve.add_argument("--db", type=Path, default=argparse.SUPPRESS,
                         help="数据库文件（默认：用户数据文件夹中的 kace.db）")
    resolve.add_argument("item_id", metavar="ITEM_ID", help="待处理项的编号（列表第一列，可只写开头）")
    how = resolve.add_mutually_exclusive_group(required=True)
    how.add_argument("--choose", metavar="候选编号", help="选用某一方的值（候选编号的开头即可）；重复登记时为要保留的户")
    how.add_argument("--value", metavar="值", help="改为另一个值")
    how.add_argument("--action", choices=ACTIONS,
                     help="keep-deleted 保持删除 / restore 恢复 / delete-member 删除该成员 / dismiss 忽略")


def run(args) -> int:
    from app.commands.common import UsageError
    from app.commands.databases import open_context

    if args.db_url:
        if args.db or getattr(args, "conflicts_command", None) == "resolve":
            raise UsageError("县服务器（--db-url）上只能列出待处理项：冲突请在负责该村的笔记本上处理，"
                             "处理结果同步到县里后自动关闭")
        return _list_county(args)
    ctx = open_context(args)
    if getattr(args, "conflicts_command", None) == "resolve":
        return _resolve(ctx, args)
    from app.db import review
    from app.sync import replica

    with ctx.read() as s:
        items = review.items(s)
        me = replica.state(s).replica_id
        devices = replica.device_names(s)  # as last learnt from the county
    names = {r: f"设备“{n}”" for r, n in devices.items()} | {me: "本机"}
    return _show(items, args, names, county=False, devices=devices)


def _list_county(args) -> int:
    from sqlalchemy import select

    from app.commands.databases import open_county
    from app.db import review
    from app.db.engine import make_session_factory
    from app.sync import county_service

    engine = open_county(args.db_url)
    try:
        with make_session_factory(engine, readonly=True).begin() as s:
            items = review.items(s)
            devices = county_service.DEVICE
            plain = dict(s.execute(select(devices.c.replica_id, devices.c.name).where(
                devices.c.replica_id.is_not(None))).all())
    finally:
        engine.dispose()
    return _show(items, args, {r: f"设备“{n}”" for r, n in plain.items()}, county=True, devices=plain)


def _show(items, args, names: dict[str, str], county: bool, devices: dict[str, str]) -> int:
    if args.json:
        listed = [i.as_json() for i in items]
        for item in listed:  # the device's name beside each replica id (None: not known here)
            for c in item["candidates"]:
                c["device"] = devices.get(c.get("replica"))
        sys.stdout.write(json.dumps(listed, ensure_ascii=False, indent=2, default=str))
        sys.stdout.write("\n")
        return 0
    _print_table(items, names, county)
    return 0


def _when(value) -> str:
    if value is None:
        return ""
    return value.replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def short_ids(ids: list[str], least: int = 8) -> dict[str, str]:
    """The shortest beginnings (at least `least` characters) that tell these ids apart: change ids
    made in the same millisecond share their first 13 characters."""
    for n in range(least, max((len(i) for i in ids), default=least) + 1):
        if len({i[:n] for i in ids}) == len(set(ids)):
            return {i: i[:n] for i in ids}
    return {i: i for i in ids}


def device_text(replica_id: str | None, names: dict[str, str]) -> str:
    """Which copy of the database made a change: by name where known (本机, or the county's
    device list), else by the end of its id."""
    if not replica_id:
        return ""
    return names.get(replica_id) or f"设备 …{replica_id[-6:]}"


def candidate_text(c, names: dict[str, str], short: str | None = None) -> str:
    """One value with who, which device and when, as the list shows it."""
    who = "，".join(x for x in (c.user, device_text(c.replica, names), _when(c.when)) if x)
    mark = " ★当前显示" if c.shown else ""
    return f"[{short or c.change_id[:8]}] {c.text}" + (f"（{who}）" if who else "") + mark


def _print_table(items, names: dict[str, str], county: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    if not items:
        print("没有待处理的冲突。")
        return
    from app.domain import fields

    width = shutil.get_terminal_size((160, 40)).columns if sys.stdout.isatty() else 200
    console = Console(width=max(width, 100), highlight=False, soft_wrap=False)
    table = Table(title=f"待处理的冲突 {len(items)} 项", show_lines=True, title_justify="left")
    for header in ("编号", "类型", "户编号", "户主", "字段", "各方的值"):
        table.add_column(header, overflow="fold")
    for it in items:
        label = fields.label(it.table, it.field) if it.field else ""
        short = short_ids([c.change_id for c in it.candidates])
        values = "\n".join(candidate_text(c, names, short[c.change_id]) for c in it.candidates) or it.detail
        table.add_row(it.id, KIND_NAMES.get(it.kind, it.kind), it.household_code or "", it.head_name or "",
                      label, values)
    console.print(table)
    if county:
        console.print(f"这些冲突请在负责该村的笔记本上处理（数据 › 冲突处理，或 {paths.cli_name()} conflicts resolve），"
                      "处理结果同步到县里后，这里的该项自动关闭。")
        return
    console.print(f"处理一项：{paths.cli_name()} conflicts resolve --db 数据库 编号（可只写开头） 以及")
    for kind in dict.fromkeys(i.kind for i in items):
        console.print(f"  {KIND_NAMES.get(kind, kind)}：{KIND_HINTS.get(kind, '')}")


def find_item(items, wanted: str):
    """The item whose id is `wanted` or begins with it (only one may); None when none or several."""
    exact = [i for i in items if i.id == wanted]
    if exact:
        return exact[0]
    found = [i for i in items if i.id.startswith(wanted)]
    return found[0] if len(found) == 1 else None


def _resolve(ctx, args) -> int:
    from app.commands.common import UsageError
    from app.db import review
    from app.ops.conflicts import resolve

    with ctx.read() as s:
        items = review.items(s)
    it = find_item(items, args.item_id)
    if it is None:
        raise UsageError(f"没有这个待处理项：{args.item_id}（可能已经处理过；用 {paths.cli_name()} conflicts 查看当前的列表）")
    choose = args.choose
    if choose is not None:
        match = [c for c in it.candidates if c.change_id.startswith(choose)]
        if len(match) != 1:
            known = "、".join(short_ids([c.change_id for c in it.candidates]).values()) or "无"
            raise UsageError(f"候选编号 {choose} 不存在或不唯一（可选：{known}）")
        choose = match[0].change_id
    if it.kind == "field" and args.action:
        raise UsageError(f"字段冲突请用 {KIND_HINTS['field']}")
    if it.kind != "field" and args.value is not None:
        raise UsageError(f"{KIND_NAMES.get(it.kind, it.kind)}请用 {KIND_HINTS.get(it.kind, '--action')}")
    if it.kind == "parked" and args.action != "dismiss":
        raise UsageError(f"未应用的变更只能忽略：{KIND_HINTS['parked']}")
    value = args.value
    if it.kind == "field" and value is not None and value.strip() in ("", "（空）"):
        value = None
    resolve(ctx, it.id, value=value, choose=choose, action=args.action)
    print(f"已处理：{KIND_NAMES.get(it.kind, it.kind)} {it.household_code or ''} {it.head_name or ''}".rstrip())
    return 0
