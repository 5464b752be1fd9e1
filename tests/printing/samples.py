"""Render the sample pages in docs/samples (look at them after changing a layout).

    .venv/bin/python -m tests.printing.samples
"""

from __future__ import annotations

import subprocess
import tempfile
from datetime import date
from pathlib import Path

from app.printing import (
    PrintOptions,
    write_card,
    write_exit_form,
    write_mingbai_card,
    write_notice,
    write_register,
    write_visit_forms,
)

from . import factories as F

OUT = Path(__file__).resolve().parents[2] / "docs" / "samples"
DPI = 60


def render(pdf: Path, name: str, first: int = 1, last: int = 1) -> list[Path]:
    """pdftoppm pages first..last of `pdf` to docs/samples/<name>-<page>.png (or <name>.png for one)."""
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", "-f", str(first), "-l", str(last), pdf, OUT / name], check=True)
    made = sorted(OUT.glob(f"{name}-*.png"))
    if first == last and len(made) == 1:
        made = [made[0].rename(OUT / f"{name}.png")]
    return made


def main() -> None:
    opts = PrintOptions(print_date=date(2020, 6, 30))
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        jobs = [
            (write_card, F.card(0), "card", 1, 2),
            (write_mingbai_card, F.card(3), "mingbai", 1, 1),
            (write_register, F.register(60), "register-household", 1, 1),
            (write_register, F.register(40, per_member=True), "register-member", 1, 1),
            (write_notice, F.notice(12, "exit"), "notice", 1, 1),
            (write_exit_form, F.exit_form(), "exit-form", 1, 1),
        ]
        made = []
        for write, data, name, first, last in jobs:
            write(data, t / f"{name}.pdf", opts)
            made += render(t / f"{name}.pdf", name, first, last)
        write_visit_forms([F.visit_form(False), F.visit_form(True)], t / "visit.pdf", opts)
        made += render(t / "visit.pdf", "visit-form-blank", 1, 1) + render(t / "visit.pdf", "visit-form-filled", 2, 2)
    for png in made:
        print(f"{png.relative_to(OUT.parents[1])}  {png.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
