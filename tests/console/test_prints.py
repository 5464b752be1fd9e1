"""The console's prints: 乡有簿 and 县有档 as PDF through app/printing (the laptop's fonts, ID
numbers masked), and the county 花名册 in the national layout, equal to the laptop's export of
the same villages."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from app.db.models import ConsoleAudit, Household
from app.exchange.exporter import export_xlsx
from app.exchange.sheet_columns import BY_KEY, NATIONAL_47, NATIONAL_HOUSEHOLD
from app.server.app import create_app
from tests.console.county import TODAY, login

pytestmark = pytest.mark.postgres
H, AUDIT = Household.__table__, ConsoleAudit.__table__
FULL_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")
MASKED_ID = re.compile(r"[0-9]{6}\*{8}[0-9]{3}[0-9X]")


@pytest.fixture(scope="module")
def app(county):
    application = create_app(county.engine)
    application.state.console.today_fn = lambda: TODAY
    return application


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    pdf = PdfReader(io.BytesIO(data))
    return pdf, "\n".join(p.extract_text() for p in pdf.pages)


def fonts_embedded(data: bytes, tmp_path) -> None:
    path = tmp_path / "book.pdf"
    path.write_bytes(data)
    table = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = table.splitlines()[2:]
    assert rows and all(" yes " in r for r in rows), table  # every font embedded (emb column)
    assert "Helvetica" not in table


def test_township_book_pdf(app, county, tmp_path):
    town = county.villages[0]["township_code"]
    admin = login(app, "admin")
    assert f'href="/township/{town}/book.pdf"' in admin.get(f"/township/{town}").text
    r = admin.get(f"/township/{town}/book.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf, text = pdf_text(r.content)
    fonts_embedded(r.content, tmp_path)
    assert "乡有簿" in text and "户名册（按村）" in text and "各村" in text
    villages = [v for v in county.villages if v["township_code"] == town]
    with county.engine.connect() as c:
        codes = c.execute(select(H.c.code).where(H.c.deleted.is_(False), H.c.village_id.in_(
            [v["id"] for v in villages]))).scalars().all()
    compact = text.replace("\n", "")
    assert codes and all(code in compact for code in codes), "every household of the township is listed"
    assert all(v["name"] in text for v in villages)
    assert not FULL_ID.search(compact) and MASKED_ID.search(compact)
    assert "第 1 页 共" in text
    # a 乡镇 account prints its own township's book, not another's; 查看 reads, so it may print
    town_user = login(app, "town")
    assert town_user.get(f"/township/{town}/book.pdf").status_code == 403
    assert town_user.get("/township/450881190000/book.pdf").status_code == 200
    assert login(app, "viewer").get(f"/township/{town}/book.pdf").status_code == 200


def test_county_book_pdf(app, county, tmp_path):
    admin = login(app, "admin")
    assert 'href="/county/book.pdf"' in admin.get("/").text
    r = admin.get("/county/book.pdf")
    assert r.status_code == 200, r.text[:500]
    pdf, text = pdf_text(r.content)
    fonts_embedded(r.content, tmp_path)
    assert "县有档" in text and "各乡镇" in text and "防返贫监测户" in text and "人均纯收入分布" in text
    with county.engine.connect() as c:
        households = c.execute(select(func.count()).select_from(H).where(H.c.deleted.is_(False))).scalar()
    assert f"{households:,}" in text  # the county's total in the 合计 line
    assert not FULL_ID.search(text.replace("\n", ""))
    assert login(app, "town").get("/county/book.pdf").status_code == 403


@pytest.mark.parametrize("members", [False, True])
def test_county_roster_is_the_national_layout_of_the_laptops_export(app, county, tmp_path, members):
    admin = login(app, "admin")
    r = admin.get("/roster.xlsx", params={"members": "1"} if members else {})
    assert r.status_code == 200, r.text[:500]
    got = [list(row) for row in load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True)]
    keys = NATIONAL_47 if members else NATIONAL_HOUSEHOLD
    assert got[0] == [BY_KEY[k].header for k in keys]
    with county.laptop.read() as s:
        villages = s.execute(select(H.c.village_id).where(H.c.deleted.is_(False)).distinct()).scalars().all()
    expected = export_xlsx(county.laptop, villages, tmp_path / "laptop.xlsx", members=members, layout="national")
    want = [list(row) for row in load_workbook(expected.path).active.iter_rows(values_only=True)]
    assert len(got) == expected.rows + 1 and got == want
    with county.engine.connect() as c:
        logged = c.execute(select(AUDIT.c.username, AUDIT.c.target).where(AUDIT.c.action == "导出花名册")
                           .order_by(AUDIT.c.at.desc())).first()
    assert tuple(logged) == ("admin", f"全县（国家格式，{'按人' if members else '按户'}）")
    assert login(app, "viewer").get("/roster.xlsx").status_code == 403
    assert login(app, "town").get("/roster.xlsx").status_code == 404  # its township has no households
