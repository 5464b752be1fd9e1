import pytest

from app.printing.fonts import FontError, find_font, load_font


@pytest.fixture(scope="session")
def font():
    """The machine's font (WenQuanYi Micro Hei here); tests that print need one."""
    try:
        return load_font(find_font())
    except FontError as exc:  # pragma: no cover - a machine without a CJK TrueType font
        pytest.skip(str(exc))
