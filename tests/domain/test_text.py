from app.domain.text import halfwidth, squeeze


def test_halfwidth_folds_full_width_and_strips():
    assert halfwidth("　４５０８８１Ｘ（镇） ") == "450881X(镇)"
    assert halfwidth(None) == ""
    assert halfwidth(12) == "12"


def test_squeeze_removes_inner_blanks():
    assert squeeze(" 4508 81\u3000199\t0 ") == "4508811990"
