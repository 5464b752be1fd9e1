"""A fork server for the kill -9 sync tests: imports Kace once, then runs `kace sync` in a forked
child for every request, so a test can kill a real sync many times without paying the
interpreter start-up each time.

    python -m tests.sync.sync_child          (stdin: one JSON request per line)

Request: {"argv": ["sync", "--db", ...], "log": "/path/of/the/child/output"}. Answers on stdout:
"ready" once, then per request "pid N" when the child runs and "exit N STATUS" (os.waitpid status)
when it is gone, whether it finished or was killed.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    import importlib

    import app.cli

    # Everything a sync imports, loaded once before forking.
    for name in ("app.commands.sync", "app.sync.client", "app.sync.http_transport", "app.db.migrate",
                 "rich.progress", "httpx"):
        importlib.import_module(name)

    print("ready", flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                fd = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                code = app.cli.main(request["argv"])
            except BaseException:  # noqa: BLE001 - reported in the log, the exit code says it
                import traceback

                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code if isinstance(code, int) else 1)
        print(f"pid {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        print(f"exit {pid} {status}", flush=True)


if __name__ == "__main__":
    main()
