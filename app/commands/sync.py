"""`kace sync --db P [--server URL] [--enrol TOKEN]`: synchronise this laptop with the county server.

With --enrol, the one-time token (from `kace server enrol`) is redeemed at --server and the device
key stored in this database first. A new laptop (nothing pulled yet, no household) starts from the
server's snapshot of its villages, then pulls. Progress goes to stderr, the summary to stdout.

Exit codes: 0 synchronised; 2 bad arguments, not enrolled, or the server refused (Chinese message);
3 the database cannot be opened; 4 the server could not be reached after retries; 5 synchronised,
but the digest of some villages still differs from the server's after the repair (they are named
on stderr). Whatever was
committed before a failure or a cut stays, and the next sync continues from there.
"""

from __future__ import annotations

import argparse
import sys
import time

from app import paths
from app.commands.common import EXIT_DIGEST_DIFFERS, EXIT_UNREACHABLE, UsageError, db_arg
from app.commands.databases import open_context

NAME = "sync"
HELP = "与县服务器同步（上传本机的修改，下载其他人的修改）"


def add_arguments(parser) -> None:
    db_arg(parser)
    parser.add_argument("--server", metavar="URL", help="县服务器地址，例如 http://10.1.2.3:8765（登记后会记住）")
    parser.add_argument("--enrol", metavar="登记码", help="先用县里发的一次性登记码登记本机")
    hidden = argparse.SUPPRESS
    parser.add_argument("--batch", type=int, default=1000, help=hidden)  # changes per push
    parser.add_argument("--page", type=int, default=2000, help=hidden)  # changes per pull page
    parser.add_argument("--retries", type=int, default=6, help=hidden)
    parser.add_argument("--backoff", type=float, default=0.5, help=hidden)
    parser.add_argument("--timeout", type=float, default=60, help=hidden)


def _server_url(text: str) -> str:
    import httpx

    url = text.strip().rstrip("/")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError(f"服务器地址应形如 http://主机:端口：{text}")
    return url


class _Progress:
    """A rich progress bar on a terminal, a plain line now and then otherwise (logs, pipes)."""

    def __init__(self):
        from rich.console import Console

        self.console = Console(stderr=True)
        self.bar = None
        self.tasks: dict[str, int] = {}
        self.last_line = 0.0
        if self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self.bar = Progress("[progress.description]{task.description}", BarColumn(),
                                MofNCompleteColumn(), TimeElapsedColumn(), console=self.console,
                                transient=True)

    def __enter__(self):
        if self.bar:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self.bar:
            self.bar.__exit__(*exc)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.bar:
            if stage not in self.tasks:
                self.tasks[stage] = self.bar.add_task(stage, total=total or None)
            self.bar.update(self.tasks[stage], completed=done, total=total or None)
            return
        now = time.monotonic()
        if now - self.last_line >= 0.5:
            self.last_line = now
            print(f"{stage}：{done}/{total} 条" if total else f"{stage}：{done} 条", file=sys.stderr, flush=True)


def run(args) -> int:
    from app.sync import replica
    from app.sync.client import ServerRefused, SyncClient, TransportError, enrol_body
    from app.sync.http_transport import HttpTransport, apply_snapshot, is_new_laptop

    for name in ("batch", "page"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name} 必须大于 0")
    server = _server_url(args.server) if args.server else None
    ctx = open_context(args)
    sessions = ctx.sessions
    transport = None
    try:
        with sessions.begin() as s:
            me = replica.state(s)
        server = server or me.server_url
        if not server:
            raise UsageError("请用 --server 指定县服务器地址（第一次同步时还要用 --enrol 登记码 登记本机）")
        if not args.enrol and not me.device_key:
            raise UsageError(f"本机尚未登记：请用 --enrol 登记码（县里用 {paths.cli_name()} server enrol 发放）登记本机")
        transport = HttpTransport(server, None if args.enrol else me.device_key, timeout=args.timeout)
        client = None
        with _Progress() as progress:
            client = SyncClient(sessions, transport, batch=args.batch, page=args.page,
                                retries=args.retries, backoff=args.backoff, progress=progress)
            try:
                if args.enrol:
                    answer = client.call("enrol", enrol_body(sessions, args.enrol))
                    with sessions.begin() as s:
                        replica.set_enrolment(s, server, answer)
                    print(f"本机已登记为“{answer['device_name']}”（村：{'、'.join(answer['villages'])}）",
                          file=sys.stderr, flush=True)
                snapshot = None
                if is_new_laptop(sessions):
                    snapshot = apply_snapshot(sessions, transport, page=args.page, retries=args.retries,
                                              backoff=args.backoff, progress=progress)
                summary = client.run()
            except TransportError as e:
                print(f"错误：无法连接县服务器 {server}（已重试 {args.retries} 次）。已完成的部分已保存，"
                      "网络恢复后再同步一次即可接着进行。", file=sys.stderr)
                ctx_log(f"sync: server unreachable: {e}")
                return EXIT_UNREACHABLE
            except ServerRefused as e:
                print(f"错误：县服务器拒绝了同步：{e.message}", file=sys.stderr)
                ctx_log(f"sync: refused {e.status}: {e.message}")
                return 2
        if snapshot is not None:
            summary.received += snapshot.received
            summary.duplicates += snapshot.duplicates
            summary.conflicts += snapshot.conflicts
        for line in summary.lines():
            print(line)
        if summary.digest_ok is False:
            print("错误：修复后与县服务器的校验仍不一致的村：" + "、".join(summary.differing), file=sys.stderr)
            ctx_log(f"sync: digest still differs after repair for {len(summary.differing)} villages")
            return EXIT_DIGEST_DIFFERS
        return 0
    finally:
        if transport is not None:
            transport.close()
        ctx.engine.dispose()


def ctx_log(message: str) -> None:
    import logging

    logging.getLogger("kace.sync").warning(message)
