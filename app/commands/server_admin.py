"""`kace server enrol|devices|disable|user --db-url URL`: administer the county server: its devices
(laptops) and console accounts (`kace serve` runs it: app/commands/run_server.py).

    kace server enrol --db-url URL --device NAME --villages CODE,...   one-time enrolment token
    kace server devices --db-url URL                                   list devices
    kace server disable --db-url URL --device NAME                     a lost laptop: refuse it
    kace server user add|list|passwd|disable ... --db-url URL          console accounts (server_accounts.py)

Exit codes: 0 done, 2 bad arguments or unknown device, 3 the database cannot be opened.
"""

from __future__ import annotations

import json
import sys

from app import paths
from app.commands import server_accounts
from app.commands.common import UsageError, db_url_arg
from app.commands.databases import open_county

NAME = "server"
HELP = "县服务器：登记、列出、停用设备；管理页面的账号"


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="server_command", required=True)
    enrol = sub.add_parser("enrol", help="登记一台电脑，得到一次性登记码")
    db_url_arg(enrol)
    enrol.add_argument("--device", required=True, metavar="名称", help="设备名称（例如 长河村-笔记本1）")
    enrol.add_argument("--villages", required=True, metavar="CODE,...",
                       help="该设备可读写的村（12位村级区划代码，用逗号分隔）")
    devices = sub.add_parser("devices", help="列出设备")
    db_url_arg(devices)
    devices.add_argument("--json", action="store_true", help="输出 JSON")
    disable = sub.add_parser("disable", help="停用设备（电脑丢失时）")
    db_url_arg(disable)
    disable.add_argument("--device", required=True, metavar="名称", help="设备名称")
    server_accounts.add_parsers(sub)  # kace server user add|list|passwd|disable (console accounts)


def _villages(text: str) -> list[str]:
    codes = [c.strip() for c in text.replace("，", ",").split(",") if c.strip()]
    bad = [c for c in codes if not (c.isdigit() and len(c) == 12)]
    if not codes or bad:
        raise UsageError("村代码应为 12 位数字，用逗号分隔：" + ("、".join(bad) or text))
    return codes


def run(args) -> int:
    from sqlalchemy import select, update

    from app.db.engine import make_session_factory
    from app.sync import county_service

    villages = _villages(args.villages) if args.server_command == "enrol" else None
    device_name = (getattr(args, "device", None) or "").strip()
    if args.server_command in ("enrol", "disable") and not 0 < len(device_name) <= 60:
        raise UsageError("设备名称不能为空，最多 60 个字")
    engine = open_county(args.db_url)
    sessions = make_session_factory(engine)
    devices = county_service.DEVICE
    try:
        if args.server_command == "user":
            return server_accounts.run(args, sessions)
        if args.server_command == "enrol":
            try:
                with sessions.begin() as s:
                    token = county_service.enrol(s, device_name, villages)
            except county_service.SyncRefused as e:
                raise UsageError(e.message) from None
            print(token)
            print(f"已登记设备“{device_name}”（村：{'、'.join(villages)}）。上面一行是一次性登记码：\n"
                  f"在这台笔记本上运行  {paths.cli_name()} sync --db 数据库文件 --server 县服务器地址 --enrol 登记码  "
                  f"完成登记并同步；"
                  f"登记码只能用一次，请勿外传。", file=sys.stderr)
            return 0
        if args.server_command == "disable":
            with sessions.begin() as s:
                n = s.execute(update(devices).where(devices.c.name == device_name)
                              .values(disabled=True)).rowcount
            if not n:
                raise UsageError(f"没有这个设备：{device_name}")
            print(f"已停用设备“{device_name}”：它的密钥从现在起被拒绝。如要给新电脑使用，请重新登记。",
                  file=sys.stderr)
            return 0
        with sessions.begin() as s:
            rows = s.execute(select(devices).order_by(devices.c.device_code)).mappings().all()
        listed = [{"name": r["name"], "device_code": r["device_code"], "villages": json.loads(r["villages"]),
                   "state": _state(r), "enrolled_at": _iso(r["enrolled_at"]),
                   "last_seen_at": _iso(r["last_seen_at"]), "pulled_server_seq": r["pulled_server_seq"],
                   # Its bundles can be checked once the laptop gave its Ed25519 public key.
                   "signing_key": r["public_key"] is not None}
                  for r in rows]
        if args.json:
            print(json.dumps(listed, ensure_ascii=False, indent=2))
        elif not listed:
            print("还没有登记任何设备", file=sys.stderr)
        for d in listed if not args.json else ():
            print(f"{d['device_code']:>3}  {d['name']}\t{d['state']}\t村 {','.join(d['villages'])}\t"
                  f"最近同步 {d['last_seen_at'] or '从未'}"
                  + ("" if d["signing_key"] or d["state"] != "已登记" else "\t尚无签名公钥（联网同步一次后才能导入它的变更包）"))
        return 0
    finally:
        engine.dispose()


def _state(row) -> str:
    if row["disabled"]:
        return "已停用"
    if row["token_hash"] and not row["key_hash"]:
        return "待登记"
    if row["token_hash"]:
        return "已登记（有未使用的新登记码）"
    return "已登记"


def _iso(value) -> str | None:
    return value.isoformat(sep=" ", timespec="seconds") if value else None
