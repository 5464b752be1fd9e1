from __future__ import annotations

import pytest

from tests.console.county import make_county


@pytest.fixture(scope="package")
def county(tmp_path_factory):
    """One county database for the console tests (read-mostly; tests that change it clean up)."""
    c = make_county(tmp_path_factory.mktemp("county"))
    yield c
    c.close()
