"""The console in a real browser: Debian's headless Chromium driven by Selenium (Debian's
chromedriver) against a real `kace serve` over a fresh PostgreSQL schema, filled by a laptop that
made a demo county and synced over HTTP (`kace sync --enrol`).

Every page is screenshotted; set KACE_SCREENSHOTS=docs/screenshots to write the docs' pictures."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.console import accounts
from app.db.models import Device, Household, Region
from tests.console.county import park_one
from tests.sync.http_fleet import PgSchema, ServerProcess, enrol_token, kace

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
FULL_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")
RED = "rgba(198, 40, 40, 1)"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                       reason="Debian's chromium and chromium-driver are not installed "
                              "(apt-get install chromium chromium-driver; scripts/bootstrap.sh --test does it)"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """`kace serve` with a county that a laptop synced into, a stale laptop and three accounts."""
    tmp = tmp_path_factory.mktemp("console-browser")
    schema = PgSchema()
    laptop = tmp / "laptop.db"
    kace("demo", "--db", laptop, "--households", "300", "--seed", "5", check=True)
    villages = json.loads(kace("villages", "--db", laptop, "--json", check=True).stdout)
    server = ServerProcess(schema.url, tmp / "serve.log")
    try:
        token = enrol_token(schema.url, "长河-笔记本1", [v["code"] for v in villages])
        kace("sync", "--db", laptop, "--server", server.url, "--enrol", token, check=True)
        old = enrol_token(schema.url, "旧村-笔记本3", [villages[0]["code"]])
        assert httpx.post(f"{server.url}/sync/v1/enrol", json={"token": old}, timeout=60).status_code == 200
        D, H = Device.__table__, Household.__table__
        with Session(schema.engine) as s, s.begin():
            s.execute(update(D).where(D.c.name == "旧村-笔记本3").values(
                last_seen_at=accounts.now() - timedelta(days=45)))
            household = s.execute(select(H.c.id).order_by(H.c.code).limit(1)).scalar_one()
            park_one(s, household, "旧村-笔记本3")
        for name, role in (("admin", "县管理员"), ("viewer", "查看")):
            kace("server", "user", "add", name, "--role", role, "--password-stdin", "--db-url", schema.url,
                 input="county-pass-1\n", check=True)
        yield {"url": server.url, "laptop": laptop, "villages": villages, "schema": schema}
    finally:
        server.stop()
        schema.drop()


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="kace-chromium-")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}", "--window-size=1280,900",
                 "--lang=zh-CN"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, css: str, text: str = ""):
    """The element after a click's navigation has finished (a form's POST answer included)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def found(d):
        for e in d.find_elements(By.CSS_SELECTOR, css):
            if text in e.text:
                return e
        return False

    try:
        # the page may be replaced between finding an element and reading it: look again
        return WebDriverWait(driver, 90, ignored_exceptions=(StaleElementReferenceException,)).until(found)
    except Exception as e:  # noqa: BLE001 - say what the browser shows instead
        raise AssertionError(f"{css} {text!r} not shown at {driver.current_url}:\n{driver.page_source[:2000]}") from e


def shot(driver, name: str, tmp_path: Path) -> Path:
    """A full-page screenshot through the DevTools protocol (beyond the window's height)."""
    out = Path(os.environ.get("KACE_SCREENSHOTS") or tmp_path) / f"console-{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": max(1280, size["width"]), "height": min(size["height"], 3000), "scale": 1}
    png = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                            "clip": clip})
    out.write_bytes(base64.b64decode(png["data"]))
    assert out.stat().st_size > 5000
    return out


def pdf_pages(data: bytes, name: str, tmp_path: Path, shown: int) -> list[Path]:
    """Every page of a PDF as PNG (pdftoppm); the first `shown` ones, which docs/county.md shows,
    go beside the screenshots (console-NAME-1.png, …)."""
    import subprocess

    work = Path(tempfile.mkdtemp(prefix="kace-pdf-", dir=tmp_path))
    (work / "doc.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(work / "doc.pdf"), str(work / "page")], check=True)
    pages = sorted(work.glob("page-*.png"))
    assert pages
    out = Path(os.environ.get("KACE_SCREENSHOTS") or tmp_path)
    for i, page in enumerate(pages[:shown], 1):
        shutil.copyfile(page, out / f"console-{name}-{i}.png")
    return pages


def log_in(driver, url: str, username: str):
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(url + "/")
    assert "/login" in driver.current_url and "登录" in driver.title, (driver.current_url, driver.title)
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys("county-pass-1")
    driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    wait_for(driver, "header .who", username)
    assert "/login" not in driver.current_url


def cell(driver, label: str) -> str:
    """The value beside `label` in the village page's 概况 table."""
    from selenium.webdriver.common.by import By

    row = driver.find_element(By.XPATH, f"//section[h2[starts-with(., '概况')]]//tr[td[1][normalize-space()='{label}']]")
    return row.find_elements(By.TAG_NAME, "td")[1].text.strip()


def no_full_ids(driver, where: str) -> None:
    found = FULL_ID.search(driver.page_source)
    assert not found, f"a whole ID number on {where}: …{driver.page_source[max(0, found.start() - 200):found.end() + 50]}"


def test_the_console_in_chromium(site, browser, tmp_path):
    from selenium.webdriver.common.by import By

    url, d = site["url"], browser
    d.get(url + "/")
    shot(d, "login", tmp_path)
    log_in(d, url, "admin")

    # 全县概况
    assert "全县概况" in d.find_element(By.TAG_NAME, "h1").text
    assert d.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar")
    no_full_ids(d, "全县概况")
    shot(d, "overview", tmp_path)

    # 设备: the laptop that last synced 45 days ago is red, the one that synced now is not
    d.get(url + "/devices")
    rows = {r.find_elements(By.TAG_NAME, "td")[1].text: r for r in d.find_elements(By.CSS_SELECTOR, "tbody tr")}
    assert set(rows) >= {"旧村-笔记本3", "长河-笔记本1"}, list(rows)
    assert "stale" in rows["旧村-笔记本3"].get_attribute("class")
    assert rows["旧村-笔记本3"].find_element(By.CSS_SELECTOR, "td.last-sync").value_of_css_property("color") == RED
    assert "stale" not in rows["长河-笔记本1"].get_attribute("class")
    assert rows["长河-笔记本1"].find_element(By.CSS_SELECTOR, "td.last-sync").value_of_css_property("color") != RED
    no_full_ids(d, "设备")
    shot(d, "devices", tmp_path)

    # 村: the figures equal `kace stats --village` of the laptop holding the same data
    village = site["villages"][0]["code"]
    st = json.loads(kace("stats", "--db", site["laptop"], "--village", village, "--json", check=True).stdout)
    d.get(f"{url}/village/{village}")
    assert cell(d, "户数") == f"{st['households']:,}", st
    assert cell(d, "人数") == f"{st['members']:,}"
    assert cell(d, "未脱贫人口") == f"{st['poverty_incidence']['poor_population']:,}"
    assert cell(d, "贫困发生率(%)") == f"{st['poverty_incidence']['rate']:,.2f}"
    assert cell(d, "本月走访(户)") == f"{st['households_visited_this_month']:,}", st
    no_full_ids(d, "村")
    shot(d, "village", tmp_path)

    # 乡镇
    d.find_element(By.CSS_SELECTOR, ".crumbs a[href^='/township/']").click()
    wait_for(d, "figcaption", "各村贫困发生率")
    no_full_ids(d, "乡镇")
    shot(d, "township", tmp_path)
    # its 乡有簿 and the county's 县有档, by the links on the pages, with the browser's session
    cookie = {"kace_console": d.get_cookie("kace_console")["value"]}
    book = d.find_element(By.PARTIAL_LINK_TEXT, "乡有簿").get_attribute("href")
    d.get(url + "/")
    county_book = d.find_element(By.PARTIAL_LINK_TEXT, "县有档").get_attribute("href")
    roster = d.find_element(By.PARTIAL_LINK_TEXT, "按人 47 列").get_attribute("href")
    for link, name, shown in ((book, "book-township", 2), (county_book, "book-county", 1)):
        r = httpx.get(link, cookies=cookie, timeout=120)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text[:500]
        pdf_pages(r.content, name, tmp_path, shown)
    r = httpx.get(roster, cookies=cookie, timeout=120)
    assert r.status_code == 200 and r.content[:2] == b"PK", r.text[:500]

    # 户: masked until asked, then whole and logged
    d.get(f"{url}/village/{village}")
    d.find_element(By.XPATH, "//section[h2[starts-with(., '户名单')]]//tbody/tr[1]/td[1]/a").click()
    wait_for(d, "h2", "变更历史")
    no_full_ids(d, "户")
    assert "长河-笔记本1" in d.page_source, d.current_url  # the change history names the laptop
    shot(d, "household", tmp_path)
    d.find_element(By.PARTIAL_LINK_TEXT, "显示完整身份证号").click()
    wait_for(d, "p.hint strong", "已记录")
    assert FULL_ID.search(d.page_source)

    # 待处理: the parked change with its reason
    d.get(url + "/pending")
    assert "不属于该设备的村" in d.page_source and "驳回" in d.page_source, d.page_source[:2000]

    # 待处理, 数据核查, 操作记录
    for path, name in (("/pending", "pending"), ("/check", "check"), ("/audit", "audit")):
        d.get(url + path)
        no_full_ids(d, path)
        shot(d, name, tmp_path)
    assert "查看身份证号" in d.page_source and "admin" in d.page_source, d.page_source[:2000]

    # enrol a laptop: the token and its QR code
    d.get(url + "/devices")
    d.find_element(By.NAME, "name").send_keys("新笔记本")
    d.find_element(By.NAME, "villages").send_keys(village)
    d.find_element(By.CSS_SELECTOR, "form[action='/devices/enrol'] button").click()
    wait_for(d, ".qr svg")
    token = d.find_element(By.CSS_SELECTOR, ".token code").text
    assert f"kace sync --server {url} --enrol {token}" in d.page_source, d.page_source[:2000]
    shot(d, "enrol", tmp_path)
    assert httpx.post(f"{url}/sync/v1/enrol", json={"token": token}, timeout=60).status_code == 200

    # CSRF: the same form with its token emptied is refused, nothing enrolled
    d.get(url + "/devices")
    d.find_element(By.NAME, "name").send_keys("没有令牌")
    d.find_element(By.NAME, "villages").send_keys(village)
    d.execute_script("document.querySelector(\"form[action='/devices/enrol'] input[name=csrf]\").value = ''")
    d.find_element(By.CSS_SELECTOR, "form[action='/devices/enrol'] button").click()
    wait_for(d, "h1", "安全检查未通过")
    assert "CSRF" in d.page_source, d.page_source[:2000]
    d.get(url + "/devices")
    assert "没有令牌" not in d.page_source, "a form without its CSRF token enrolled a laptop"
    # and without the browser: the session cookie alone does not make a change
    cookie = {"kace_console": d.get_cookie("kace_console")["value"]}
    r = httpx.post(f"{url}/devices/enrol", data={"name": "脚本", "villages": village}, cookies=cookie, timeout=60)
    assert r.status_code == 403, r.text[:500]

    # 查看: reads, and is refused a change with a Chinese page
    log_in(d, url, "viewer")
    d.get(url + "/devices")
    assert not d.find_elements(By.CSS_SELECTOR, "form[action='/devices/enrol']")
    d.execute_script("""
        const f = document.createElement('form'); f.method = 'post'; f.action = '/devices/enrol';
        for (const [k, v] of [['name', '查看者'], ['villages', arguments[0]],
                              ['csrf', document.querySelector('input[name=csrf]').value]]) {
          const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i);
        }
        document.body.appendChild(f); f.submit();""", village)
    wait_for(d, "h1", "无权修改")
    assert "只能查看，不能修改" in d.page_source, d.page_source[:2000]
    shot(d, "refused", tmp_path)
    d.get(url + "/devices")
    assert "查看者" not in d.page_source, "a 查看 account enrolled a laptop"


def edit(db: Path, user: str, household: str, values: dict) -> None:
    """An edit on a laptop, as its editor saves it (the op), between two `kace sync` runs."""
    from app.db.migrate import open_sqlite
    from app.ops.context import OpContext
    from app.ops.households import update_household

    ctx = OpContext(open_sqlite(db), user=user)
    try:
        update_household(ctx, household, values)
    finally:
        ctx.engine.dispose()


def laptop_note(db: Path, household: str) -> tuple[str, list]:
    """The laptop's 备注 of a household and its open field conflicts."""
    from app.db.migrate import open_sqlite
    from app.db import review

    engine = open_sqlite(db)
    try:
        with Session(engine) as s:
            note = s.execute(select(Household.__table__.c.note).where(Household.__table__.c.id == household)).scalar()
            return note, [(i.row_id, i.field) for i in review.items(s) if i.kind == "field"]
    finally:
        engine.dispose()


def test_a_conflict_resolved_in_chromium_reaches_the_laptop(site, browser, tmp_path):
    """Two laptops change the same 备注; the admin chooses one in the browser; `kace sync` brings
    it to the laptop. A 查看 account and a POST without the CSRF token are refused."""
    from selenium.webdriver.common.by import By

    url, d, first = site["url"], browser, site["laptop"]
    village = site["villages"][0]["code"]
    second = tmp_path / "second.db"
    kace("sync", "--db", second, "--server", url, "--enrol", enrol_token(site["schema"].url, "金头-笔记本2", [village]),
         check=True)
    with Session(site["schema"].engine) as s:
        H, R = Household.__table__, Region.__table__
        household, code = s.execute(select(H.c.id, H.c.code).join(R, R.c.id == H.c.village_id)
                                    .where(R.c.code == village).order_by(H.c.code).limit(1)).one()
    edit(first, "甲队员", household, {"note": "甲队：已核实"})
    edit(second, "乙队员", household, {"note": "乙队：待复查"})
    kace("sync", "--db", second, check=True)
    kace("sync", "--db", first, check=True)
    assert laptop_note(first, household)[1] == [(household, "note")]

    # 查看: sees the conflict, has no button, and a forged form is refused with a Chinese page
    log_in(d, url, "viewer")
    d.get(url + "/pending")
    assert "同一字段改成了不同的值" in d.page_source and "选用：" not in d.page_source
    item = f"field:household:{household}:note"
    d.get(f"{url}/pending/conflict?item={item}")
    wait_for(d, "h1", "处理字段冲突")
    assert not d.find_elements(By.CSS_SELECTOR, "form[action^='/pending/resolve']")
    d.execute_script("""
        const f = document.createElement('form'); f.method = 'post'; f.action = '/pending/resolve';
        for (const [k, v] of [['item', arguments[0]], ['value', '查看者的值'],
                              ['csrf', document.querySelector('input[name=csrf]').value]]) {
          const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i);
        }
        document.body.appendChild(f); f.submit();""", item)
    wait_for(d, "h1", "无权修改")

    log_in(d, url, "admin")
    d.get(url + "/pending")
    wait_for(d, "button", "选用：乙队：待复查")
    no_full_ids(d, "待处理")
    shot(d, "pending", tmp_path)
    d.find_element(By.LINK_TEXT, "改为其他值…").click()
    wait_for(d, "h1", "处理字段冲突")
    assert "金头-笔记本2" in d.page_source and "长河-笔记本1" in d.page_source, d.page_source[:3000]
    no_full_ids(d, "字段冲突")
    shot(d, "conflict", tmp_path)
    # the value form with its token emptied is refused, nothing written
    d.find_element(By.NAME, "value").send_keys("没有令牌的值")
    d.execute_script("document.querySelector(\"form[action='/pending/resolve'] input[name=csrf]\").value = ''")
    d.find_element(By.CSS_SELECTOR, "section.enrol form[action='/pending/resolve'] button").click()
    wait_for(d, "h1", "安全检查未通过")
    # choose 乙队's value
    d.get(f"{url}/pending/conflict?item={item}")
    row = d.find_element(By.XPATH, "//tr[td[1][normalize-space()='乙队：待复查']]")
    row.find_element(By.CSS_SELECTOR, "form button").click()
    wait_for(d, "h1", "待处理")
    assert "选用：乙队：待复查" not in d.page_source
    with Session(site["schema"].engine) as s:
        assert s.execute(select(Household.__table__.c.note).where(Household.__table__.c.id == household)).scalar() \
            == "乙队：待复查"
    d.get(url + "/audit")
    assert "处理字段冲突" in d.page_source and f"户 {code}" in d.page_source

    # the laptop that held the other value pulls the resolution: its value is the chosen one
    kace("sync", "--db", first, check=True)
    assert laptop_note(first, household) == ("乙队：待复查", [])
    d.get(f"{url}/household/{household}")
    assert "县扶贫办" in d.page_source and "县服务器（管理页面）" in d.page_source
