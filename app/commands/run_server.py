"""`kace serve --db-url postgresql://... [--host 127.0.0.1] [--port 8765]`: run the county sync server
(the `server …` commands administer it: app/commands/server_admin.py).

Migrates the county database to the current schema (app/db/migrate.open_url), then serves the
sync protocol (app/server/app.py) and the county's web console (app/console, at /) with uvicorn. One JSON log line per request goes to stderr
and to the log file. `sqlite:///FILE` is accepted for demos and tests.

Exit codes: 0 stopped normally, 2 bad arguments, 3 the database cannot be opened.
"""

from __future__ import annotations

import logging
import sys

from app.commands.common import UsageError, db_url_arg
from app.commands.databases import open_county, require_server_extra, safe_url

NAME = "serve"
HELP = "运行县同步服务器（PostgreSQL）"


def add_arguments(parser) -> None:
    db_url_arg(parser)
    parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    parser.add_argument("--port", type=int, default=8765, help="端口（默认 8765）")


def log_to_stderr() -> None:
    root = logging.getLogger()
    if not any(getattr(h, "_kace_stderr", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._kace_stderr = True
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    from app.logsafe import install

    install(root)  # every handler, the log file's too: no ID number or phone number in a line


def fewer_malloc_arenas() -> None:
    """glibc gives each thread that allocates at once its own malloc arena and keeps each
    arena's high-water mark, so the server's memory grew with the number of laptops syncing at
    the same moment. Two arenas keep it flat; elsewhere (not glibc) nothing is changed."""
    import ctypes
    import ctypes.util

    M_ARENA_MAX = -8
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(M_ARENA_MAX, 2)
    except (OSError, AttributeError):
        pass


def run(args) -> int:
    require_server_extra()
    import uvicorn

    from app.server.app import create_app

    if not 0 < args.port < 65536:
        raise UsageError(f"端口不正确：{args.port}")
    log_to_stderr()
    fewer_malloc_arenas()
    engine = open_county(args.db_url)
    app = create_app(engine)
    print(f"县同步服务器：http://{args.host}:{args.port}/sync/v1 （数据库 {safe_url(args.db_url)}），"
          f"管理页面：http://{args.host}:{args.port}/ （账号：kace server user add），"
          "按 Ctrl+C 停止", file=sys.stderr, flush=True)
    try:
        # Our own JSON request lines replace uvicorn's access log; its other messages go to
        # the same handlers as ours.
        uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_config=None,
                    timeout_graceful_shutdown=10)
    finally:
        engine.dispose()
    return 0
