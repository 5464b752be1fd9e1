"""Screenshots of every screen for docs/screenshots (offscreen):

    python -m app.ui.screenshots --db demo.db --out docs/screenshots [--household 户编号]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.ui.main import build_context, make_qapp, save_png, settle_window, wait_until


def _pick_household(window) -> str:
    """A household with a bit of everything: several members, a loan, visits."""
    from sqlalchemy import func, select

    from app.db.models import Household, Loan, Member

    H, M, L = Household.__table__, Member.__table__, Loan.__table__
    with window.app.ops.read() as s:
        sizes = select(M.c.household_id, func.count().label("n")).group_by(M.c.household_id).subquery()
        row = s.execute(
            select(H.c.code).join(sizes, sizes.c.household_id == H.c.id)
            .where(H.c.deleted.is_(False), H.c.status == "02", sizes.c.n >= 4,
                   H.c.id.in_(select(L.c.household_id)))
            .order_by(H.c.code).limit(1)).scalar()
        return row or s.execute(select(H.c.code).order_by(H.c.code).limit(1)).scalar()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="卡册界面截图")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--household", help="户编号（默认自动挑选一户）")
    args = parser.parse_args(argv)
    make_qapp(offscreen=True)
    from app.db import ui_queries
    from app.ui.editor.household_editor import TAB_KEYS
    from app.ui.main import open_main_window

    app_ctx = build_context(args.db)
    window = open_main_window(app_ctx)
    window.resize(1280, 760)
    window.show()
    settle_window(window)
    out = args.out
    save_png(window, out / "main-window.png")

    code = args.household or _pick_household(window)
    with app_ctx.ops.read() as s:
        household_id = ui_queries.household_by_code(s, code)
    window.list.search.setText(code)
    window.settle()
    save_png(window, out / "main-window-search.png")
    window.list.search.clear()
    window.settle()
    editor = window.open_household(household_id)
    editor.resize(1100, 700)
    for i, key in enumerate(TAB_KEYS, start=1):
        editor.tabs.setCurrentIndex(i - 1)
        window.settle()
        save_png(editor, out / f"editor-{i}-{key}.png")
        if key == "assistance":
            inner = editor.tab(key).inner
            for j, name in ((1, "measures"), (2, "loans")):
                inner.setCurrentIndex(j)
                save_png(editor, out / f"editor-{i}-{key}-{name}.png")
    editor.discard_and_close()

    tree = window.tree
    # choose the household's village in the tree, for the village page and the visits window
    with app_ctx.ops.read() as s:
        detail = ui_queries.household_detail(s, household_id)
    tree.select_region(detail["village"]["id"])
    window.settle()
    page = window.show_village()
    save_png(page, out / "village-page.png")
    page.close()
    visits = window.show_visits()
    window.settle()
    save_png(visits, out / "visits-month.png")
    visits.tabs.setCurrentIndex(1)
    visits.gaps_view.expandToDepth(0)
    save_png(visits, out / "visits-unvisited.png")
    visits.close()
    window.list.select_household(household_id)
    dialog = window.new_visit()
    save_png(dialog, out / "visit-entry.png")
    dialog.close()
    wizard = window.new_household()
    save_png(wizard, out / "new-household-1.png")
    wizard.next()
    save_png(wizard, out / "new-household-2.png")
    wizard.close()
    about = window.about()
    save_png(about, out / "about.png")
    about.close()
    wait_until(lambda: not app_ctx.runner.busy)
    window.close()
    app_ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
