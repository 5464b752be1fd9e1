"""Every module under app/ stays small enough to read in one sitting (issue #17: none over 600 lines)."""

from __future__ import annotations

from pathlib import Path

import app

LIMIT = 600


def test_no_module_in_app_is_over_600_lines():
    root = Path(app.__file__).parent
    long = {str(p.relative_to(root.parent)): n for p in sorted(root.rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > LIMIT}
    assert not long, f"split these modules by what they hold (over {LIMIT} lines): {long}"
