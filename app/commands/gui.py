"""`kace gui [--db P] [--demo]`: the desktop program (the default command: `kace`, `kace --db P`)."""

from __future__ import annotations

from pathlib import Path

from app.commands.common import db_arg

NAME = "gui"
HELP = "打开桌面程序（默认）"


def add_arguments(parser) -> None:
    db_arg(parser)
    parser.add_argument("--demo", action="store_true", help="数据库为空时先生成演示县数据")
    parser.add_argument("--demo-households", type=int, default=2000, help="演示数据的户数")
    parser.add_argument("--screenshot", type=Path, help="离屏打开窗口，保存截图后退出")
    parser.add_argument("--open-household", metavar="户编号", help="截图时打开该户的编辑窗口")
    parser.add_argument("--screenshot-all", type=Path, metavar="DIR",
                        help="离屏（1366×768 屏幕）打开每个界面，各存一张 PNG 到 DIR 后退出（数据库不变）")


def run(args) -> int:
    from app.ui.launch import run_gui

    return run_gui(args)
