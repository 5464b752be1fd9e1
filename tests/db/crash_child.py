"""A child process for the kill -9 tests: does one kind of work in a loop, reporting each commit.

    python -m tests.db.crash_child save|backup|restore|migrate DB [EXTRA]
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path


def main() -> None:
    kind, db = sys.argv[1], Path(sys.argv[2])
    if kind == "migrate":
        from app.db.migrate import open_sqlite

        open_sqlite(db).dispose()
        print("done", flush=True)
        return
    if kind == "backup":
        from app.db.backup import backup

        for i in range(1000):
            backup(db, db.with_name(f"bak-{i % 3}.db"))
            print(f"backup {i % 3}", flush=True)
        return
    if kind == "restore":
        from app.db.backup import restore

        for _ in range(1000):
            restore(db, Path(sys.argv[3]))
            print("restored", flush=True)
        return
    from app.db.migrate import open_sqlite
    from app.ops.context import OpContext
    from app.ops.households import add_member, create_household

    ctx = OpContext(open_sqlite(db), user="crash", today_fn=lambda: date(2026, 11, 27))
    village = sys.argv[3]
    print("ready", flush=True)  # the parent's clock starts here, not at interpreter start
    for i in range(100000):
        res = create_household(ctx, {"village_id": village, "note": f"第{i}户"})
        add_member(ctx, res.value["id"], {"name": "张三", "relation": "户主"})
        # Reported only after both transactions committed: the parent checks these survive.
        print(res.value["code"], flush=True)


if __name__ == "__main__":
    main()
