"""The county console over the test PostgreSQL (FastAPI TestClient against the real server app):
log-in and sessions, CSRF, roles, figures equal to the laptop's `kace stats`, masking, devices."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import delete, func, select, update

from app.cli import main as kace_main
from app.console import accounts
from app.db.models import ConsoleAudit, ConsoleSession, Device, Household, Member
from app.db.stats_queries import stats
from app.sync import county_service as service
from app.server.app import create_app
from tests.console.county import NOTE, PASSWORD, TODAY

AUDIT, D, S = ConsoleAudit.__table__, Device.__table__, ConsoleSession.__table__
FULL_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def app(county):
    application = create_app(county.engine)
    application.state.console.today_fn = lambda: TODAY
    return application


def client(app) -> TestClient:
    return TestClient(app, base_url="http://testserver")


def login(app, username: str, password: str = PASSWORD) -> TestClient:
    c = client(app)
    c.get("/login")
    r = c.post("/login", data={"username": username, "password": password, "csrf": c.cookies.get("kace_login"),
                               "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return c


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def audit_rows(county, action: str) -> list:
    with county.engine.connect() as c:
        return c.execute(select(AUDIT).where(AUDIT.c.action == action).order_by(AUDIT.c.at)).mappings().all()


# --- log-in, sessions ------------------------------------------------------------------------------


def test_pages_need_a_log_in_and_the_cookie_is_httponly_and_samesite(app):
    c = client(app)
    for path in ("/", "/devices", "/village/450881101201", "/pending", "/check"):
        r = c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    c.get("/login")
    r = c.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": c.cookies.get("kace_login")},
               follow_redirects=False)
    cookie = r.headers["set-cookie"]
    assert "kace_console=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain http here; https sets Secure
    assert c.get("/").status_code == 200


def test_secure_cookie_over_https(app):
    c = TestClient(app, base_url="https://testserver")
    c.get("/login")
    r = c.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": c.cookies.get("kace_login")},
               follow_redirects=False)
    assert "Secure" in r.headers["set-cookie"]


def test_wrong_password_is_refused_and_throttled_per_user(app, county):
    app.state.console.throttle = accounts.Throttle()
    c = client(app)
    c.get("/login")
    for _ in range(5):
        r = c.post("/login", data={"username": "viewer", "password": "wrong-one", "csrf": c.cookies.get("kace_login")})
        assert r.status_code == 401 and "用户名或密码不正确" in r.text
    # the right password is refused too until the window has passed
    r = c.post("/login", data={"username": "viewer", "password": PASSWORD, "csrf": c.cookies.get("kace_login")})
    assert r.status_code == 429 and "登录失败次数过多" in r.text
    assert len(audit_rows(county, "登录失败")) >= 5
    app.state.console.throttle = accounts.Throttle()
    login(app, "viewer")


def test_throttle_per_address_and_window():
    clock = [0.0]
    t = accounts.Throttle(per_user=5, per_ip=3, window_s=60, clock=lambda: clock[0])
    for name in ("a", "b", "c"):
        t.failed(name, "10.0.0.1")
    assert t.wait_minutes("d", "10.0.0.1") == 1  # a fourth name from the same address waits
    assert t.wait_minutes("d", "10.0.0.2") == 0
    clock[0] = 61
    assert t.wait_minutes("d", "10.0.0.1") == 0


def test_log_in_form_needs_its_csrf_token(app):
    c = client(app)
    c.get("/login")
    r = c.post("/login", data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 403 and "CSRF" in r.text


def test_idle_session_is_closed(app, county):
    c = login(app, "viewer")
    assert c.get("/devices").status_code == 200
    with county.engine.begin() as conn:
        conn.execute(update(S).values(last_seen_at=accounts.now() - timedelta(minutes=accounts.IDLE_MINUTES + 1)))
    r = c.get("/devices", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_open_redirect_after_log_in_is_refused(app):
    c = client(app)
    c.get("/login")
    r = c.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": c.cookies.get("kace_login"),
                               "next": "//evil.example/"}, follow_redirects=False)
    assert r.headers["location"] == "/"


# --- CSRF and roles --------------------------------------------------------------------------------


def device_count(county) -> int:
    with county.engine.connect() as c:
        return c.execute(select(func.count()).select_from(D)).scalar_one()


def test_change_without_csrf_token_is_refused(app, county):
    c = login(app, "admin")
    before = device_count(county)
    r = c.post("/devices/enrol", data={"name": "无令牌", "villages": county.villages[0]["code"]})
    assert r.status_code == 403 and "CSRF" in r.text
    r = c.post("/devices/enrol", data={"name": "错令牌", "villages": county.villages[0]["code"], "csrf": "x" * 43})
    assert r.status_code == 403
    assert device_count(county) == before


@pytest.mark.parametrize("user", ["viewer", "town"])
def test_read_only_roles_are_refused_a_change(app, county, user):
    c = login(app, user)
    page = c.get("/devices").text
    assert "登记新设备" not in page and "停用" not in page.split("<table>")[-1].split("</table>")[0]
    before = device_count(county)
    r = c.post("/devices/enrol", data={"name": "查看者登记", "villages": county.villages[0]["code"],
                                       "csrf": csrf_of(page)})
    assert r.status_code == 403 and "只能查看，不能修改" in r.text
    with county.engine.connect() as conn:
        some = conn.execute(select(D.c.id)).scalars().first()
    assert c.post(f"/devices/{some}/disable", data={"csrf": csrf_of(page)}).status_code == 403
    assert device_count(county) == before


def test_township_account_sees_only_its_townships(app, county):
    c = login(app, "town")
    page = c.get("/").text
    assert "石龙镇" in page and "本乡镇概况" in page
    other = county.villages[0]
    assert other["township_code"] not in page
    assert c.get(f"/village/{other['code']}").status_code == 403
    assert c.get(f"/township/{other['township_code']}").status_code == 403
    with county.engine.connect() as conn:
        hid = conn.execute(select(Household.__table__.c.id)).scalars().first()
    r = c.get(f"/household/{hid}")
    assert r.status_code == 403 and "本乡镇" in r.text
    assert c.get("/village/450881190201").status_code == 200
    assert "旧村-笔记本3" not in c.get("/devices").text  # its villages are elsewhere


# --- figures -------------------------------------------------------------------------------------


def numbers(html: str, label: str) -> str:
    """The number shown in the summary table's row `label`."""
    m = re.search(r"<td[^>]*>\s*" + re.escape(label) + r"\s*</td>\s*<td[^>]*>\s*([^<]*?)\s*</td>", html)
    assert m, label
    return m.group(1)


def test_village_page_equals_the_laptops_stats(app, county):
    c = login(app, "admin")
    for v in county.villages:
        with county.laptop.read() as s:
            st = stats(s, v["id"], TODAY)
        page = c.get(f"/village/{v['code']}").text
        assert numbers(page, "户数") == f"{st['households']:,}"
        assert numbers(page, "人数") == f"{st['members']:,}"
        assert numbers(page, "未脱贫人口") == f"{st['poverty_incidence']['poor_population']:,}"
        assert numbers(page, "贫困发生率(%)") == f"{st['poverty_incidence']['rate']:,.2f}"
        assert numbers(page, "本月走访(户)") == f"{st['households_visited_this_month']:,}"
        for status, n in st["by_status"].items():
            assert numbers(page, status) == f"{n:,}"
        assert "贫困村退出指标" in page and "<svg" in page


def test_county_page_lines_equal_each_villages_stats(app, county):
    from app.console.figures import village_figures

    with county.engine.connect() as conn, county.laptop.read() as lap:
        from sqlalchemy.orm import Session
        rows = {f.code: f for f in village_figures(Session(conn), None, TODAY)}
        for v in county.villages:
            st = stats(lap, v["id"], TODAY)
            f = rows[v["code"]]
            assert (f.households, f.members, f.poor_population) == (
                st["households"], st["members"], st["poverty_incidence"]["poor_population"])
            assert float(f.rate) == st["poverty_incidence"]["rate"]
            assert {k: n for k, n in f.by_status.items() if n} == st["by_status"]
    page = login(app, "viewer").get("/").text
    assert "全县概况" in page and "各乡镇贫困发生率" in page and "<svg" in page
    total = sum(rows[v["code"]].households for v in county.villages)
    assert f"<b>{total:,}</b>户" in page


def test_every_table_exports_to_xlsx(app, county):
    c = login(app, "viewer")
    v = county.villages[0]
    r = c.get(f"/village/{v['code']}?format=xlsx")
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert {"概况", "户名单", "户数（按户状态）"} <= set(wb.sheetnames)
    with county.laptop.read() as s:
        st = stats(s, v["id"], TODAY)
    summary = {row[0]: row[1] for row in wb["概况"].iter_rows(min_row=3, values_only=True)}
    assert summary["户数"] == st["households"] and summary["人数"] == st["members"]
    ids = [row[2] for row in wb["户名单"].iter_rows(min_row=3, values_only=True)]
    assert len(ids) == st["households"] and all("*" in i for i in ids if i)
    for path in ("/", "/devices", "/pending", "/check"):
        load_workbook(io.BytesIO(c.get(path + "?format=xlsx").content))


# --- households and masking --------------------------------------------------------------------


def a_household(county):
    H, M = Household.__table__, Member.__table__
    with county.engine.connect() as conn:
        return conn.execute(select(H.c.id, H.c.code, M.c.id_number).join(M, M.c.household_id == H.c.id)
                            .where(M.c.id_number.is_not(None)).order_by(H.c.code).limit(1)).first()


def test_ids_are_masked_in_every_list(app, county):
    c = login(app, "admin")
    v = county.villages[0]
    h = a_household(county)
    for path in ("/", f"/township/{v['township_code']}", f"/village/{v['code']}", f"/household/{h.id}",
                 "/devices", "/pending", "/check", f"/check?village={v['code']}"):
        page = c.get(path).text
        assert not FULL_ID.search(page), path
    assert h.id_number[:6] + "********" + h.id_number[-4:] in c.get(f"/household/{h.id}").text


def test_unmasked_ids_on_the_household_page_are_logged(app, county):
    h = a_household(county)
    before = len(audit_rows(county, "查看身份证号"))
    page = login(app, "admin").get(f"/household/{h.id}?show_ids=1").text
    assert h.id_number in page and "已记录" in page
    rows = audit_rows(county, "查看身份证号")
    assert len(rows) == before + 1 and rows[-1]["username"] == "admin" and h.code in rows[-1]["target"]
    r = login(app, "viewer").get(f"/household/{h.id}?show_ids=1")
    assert r.status_code == 403 and h.id_number not in r.text
    assert len(audit_rows(county, "查看身份证号")) == before + 1


def test_household_page_shows_members_and_the_change_history(app, county):
    h = a_household(county)
    page = login(app, "viewer").get(f"/household/{h.id}").text
    for title in ("家庭成员", "收入", "帮扶措施", "走访记录", "变更历史"):
        assert f"<h2>{title}" in page
    assert "长河-笔记本1" in page  # which laptop the records came from
    assert "驻村队员" in page  # who


def test_household_history_shows_an_edit_old_to_new_with_who_and_which_laptop(app, county):
    page = login(app, "viewer").get(f"/household/{county.edited}").text
    history = page.split("<h2>变更历史")[1]
    row = re.search(r"<tr[^>]*>((?:(?!</tr>).)*" + re.escape(NOTE) + r"(?:(?!</tr>).)*)</tr>", history, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[1:] == ["驻村队员", "长河-笔记本1", "户", "修改", "备注", "", NOTE]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", cells[0])


# --- devices -------------------------------------------------------------------------------------


def test_device_list_marks_laptops_not_synced_for_n_days(app):
    c = login(app, "viewer")
    page = c.get("/devices").text
    rows = {m.group(2): m.group(1) for m in re.finditer(r'<tr class="([^"]*)">\s*<td class="num">\d+</td>\s*<td>([^<]+)</td>', page)}
    assert "stale" in rows["旧村-笔记本3"] and "stale" in rows["新村-笔记本2"]
    assert "stale" not in rows["长河-笔记本1"]
    page = c.get("/devices?days=60").text
    rows = {m.group(2): m.group(1) for m in re.finditer(r'<tr class="([^"]*)">\s*<td class="num">\d+</td>\s*<td>([^<]+)</td>', page)}
    assert "stale" not in rows["旧村-笔记本3"]
    assert c.get("/devices?days=abc").status_code == 400


def test_enrol_disable_and_re_enrol_from_the_console(app, county):
    c = login(app, "admin")
    page = c.get("/devices").text
    code = county.villages[0]["code"]
    r = c.post("/devices/enrol", data={"name": "控制台登记", "villages": code, "csrf": csrf_of(page)})
    assert r.status_code == 200 and "<svg" in r.text and "kace sync --server http://testserver --enrol" in r.text
    token = re.search(r'<p class="token"><code>([^<]+)</code>', r.text).group(1)
    with county.engine.begin() as conn:
        from sqlalchemy.orm import Session
        s = Session(conn)
        assert service.redeem(s, token)["villages"] == [code]
        device_id = conn.execute(select(D.c.id).where(D.c.name == "控制台登记")).scalar_one()
    r = c.post(f"/devices/{device_id}/disable", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert r.status_code == 303
    with county.engine.connect() as conn:
        assert conn.execute(select(D.c.disabled).where(D.c.id == device_id)).scalar_one() is True
    r = c.post(f"/devices/{device_id}/reenrol", data={"csrf": csrf_of(page)})
    new_token = re.search(r'<p class="token"><code>([^<]+)</code>', r.text).group(1)
    assert new_token != token
    with county.engine.begin() as conn:
        row = conn.execute(select(D).where(D.c.id == device_id)).mappings().one()
        assert row["disabled"] is False and row["key_hash"] is None  # the old key is void
        conn.execute(delete(D).where(D.c.id == device_id))
    assert [r["action"] for r in audit_rows(county, "登记设备") if r["target"] == "控制台登记"]
    assert audit_rows(county, "停用设备")[-1]["target"] == "控制台登记"
    assert audit_rows(county, "重新登记设备")[-1]["username"] == "admin"
    r = c.post("/devices/enrol", data={"name": "坏村码", "villages": "12345", "csrf": csrf_of(page)})
    assert r.status_code == 400 and "12 位数字" in r.text


# --- 待处理, 数据核查, 操作记录 ---------------------------------------------------------------------


def test_pending_lists_the_parked_change_with_its_reason(app, county):
    page = login(app, "viewer").get("/pending").text
    assert "收到的变更未应用" in page and "不属于该设备的村" in page and "旧村-笔记本3" in page
    assert f'href="/household/{county.edited}"' in page
    assert "石龙镇" not in page
    assert "收到的变更未应用" not in login(app, "town").get("/pending").text  # not its township


def test_a_parked_change_is_dismissed_by_a_county_admin_only(app, county):
    from app.db.models import ParkedChange

    P = ParkedChange.__table__
    with county.engine.connect() as conn:
        parked_id = conn.execute(select(P.c.id).where(P.c.dismissed.is_(False))).scalar_one()
    viewer = login(app, "viewer")
    page = viewer.get("/pending").text
    assert "驳回" not in page
    assert viewer.post(f"/pending/{parked_id}/dismiss", data={"csrf": csrf_of(page)}).status_code == 403
    admin = login(app, "admin")
    page = admin.get("/pending").text
    assert f'action="/pending/{parked_id}/dismiss"' in page
    assert admin.post(f"/pending/{parked_id}/dismiss", data={}).status_code == 403  # no CSRF token
    r = admin.post(f"/pending/{parked_id}/dismiss", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert r.status_code == 303
    assert "收到的变更未应用" not in admin.get("/pending").text
    assert audit_rows(county, "驳回未应用的变更")[-1]["username"] == "admin"
    with county.engine.begin() as conn:  # leave the county as the other tests found it
        conn.execute(update(P).where(P.c.id == parked_id).values(dismissed=False))


def test_data_check_counts_equal_the_laptops_kace_check(app, county):
    from app.ops.quality import run_check

    wb = load_workbook(io.BytesIO(login(app, "viewer").get("/check?format=xlsx").content))
    sheet = list(wb["问题数（按村和规则）"].iter_rows(min_row=2, values_only=True))
    header, rows = sheet[0], {r[0]: r for r in sheet[1:]}
    for v in county.villages:
        counts = run_check(county.laptop, v["id"]).counts["by_rule"]
        shown = {rule: n for rule, n in zip(header[2:-1], rows[v["name"]][2:-1], strict=True) if n}
        assert shown == counts, v["code"]
        assert rows[v["name"]][-1] == sum(counts.values())


def test_county_findings_xlsx_is_kace_checks_list_with_ids_masked(app, county):
    from app.ops.quality import run_check

    r = login(app, "viewer").get("/check/findings.xlsx")
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [row for row in ws.iter_rows(values_only=True) if isinstance(row[0], int)]
    expected = [f for v in county.villages for f in run_check(county.laptop, v["id"]).findings]
    assert sorted((row[1], row[4]) for row in rows) == sorted((f.rule, f.household_code) for f in expected)
    assert not any(FULL_ID.search(str(cell)) for row in rows for cell in row if cell)
    assert any(f.field == "id_number" and f.value for f in expected) <= any("*" in str(row[7]) for row in rows)


def test_pending_check_and_audit_pages(app, county):
    admin = login(app, "admin")
    assert "<h1>待处理</h1>" in admin.get("/pending").text
    page = admin.get("/check").text
    assert "问题数（按村和规则）" in page
    v = county.villages[0]
    detail = admin.get(f"/check?village={v['code']}").text
    assert "的问题清单" in detail
    assert admin.get("/check?rule=NOPE").status_code == 400
    assert "操作记录" in admin.get("/audit").text
    assert login(app, "viewer").get("/audit").status_code == 403


def test_township_register_pdf_is_the_laptops_village_registers_for_allowed_roles(app, county, tmp_path):
    from pypdf import PdfReader

    from app.printing.print_jobs import PrintRequest, print_document

    town = county.villages[0]["township_code"]
    r = login(app, "admin").get(f"/township/{town}/register.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(r.content))
    pages = 0
    for v in (v for v in county.villages if v["township_code"] == town):
        pages += print_document(county.laptop, PrintRequest("register", village=v["code"]), tmp_path / f"{v['code']}.pdf").pages
    assert len(pdf.pages) == pages
    text = "".join(p.extract_text() for p in pdf.pages[:1])
    assert county.villages[0]["name"] in text
    assert audit_rows(county, "打印乡镇户名册")[-1]["username"] == "admin"
    assert login(app, "viewer").get(f"/township/{town}/register.pdf").status_code == 403
    assert login(app, "town").get(f"/township/{town}/register.pdf").status_code == 403  # not its township
    assert login(app, "town").get("/township/450881190000/register.pdf").status_code == 404  # no households


# --- kace server user ----------------------------------------------------------------------------


def test_server_user_command(county, monkeypatch, capsys):
    url = county.schema.url

    def kace(*args, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return kace_main(["server", "user", *args, "--db-url", url])

    assert kace("add", "clerk", "--role", "乡镇", "--townships", "450881190000", stdin="secret-9\n") == 0
    assert kace("add", "clerk", "--role", "查看", stdin="secret-9\n") == 2  # exists
    assert kace("add", "nobody", "--role", "省长", stdin="secret-9\n") == 2
    assert kace("add", "short", "--role", "查看", stdin="123\n") == 2
    assert kace("add", "lost", "--role", "乡镇", "--townships", "999999999000", stdin="secret-9\n") == 2
    capsys.readouterr()
    assert kace("list", "--json") == 0
    listed = {u["username"]: u for u in __import__("json").loads(capsys.readouterr().out)}
    assert listed["clerk"]["role"] == "乡镇" and listed["clerk"]["townships"] == ["450881190000"]
    assert kace("passwd", "clerk", stdin="secret-10\n") == 0
    assert kace("disable", "clerk") == 0
    with county.engine.connect() as conn:
        from sqlalchemy.orm import Session
        assert accounts.verify(Session(conn), "clerk", "secret-10") is None  # disabled
    assert kace("disable", "clerk", "--enable") == 0
    with county.engine.begin() as conn:
        from sqlalchemy.orm import Session
        assert accounts.verify(Session(conn), "clerk", "secret-10").role == accounts.TOWNSHIP
    assert [r["username"] for r in audit_rows(county, "添加用户")][-1] == "命令行"
