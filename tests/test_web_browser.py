"""The whole cycle in a real headless Chromium (Playwright, the system's /usr/bin/chromium), as a
clerk does it, and an agency through its own link. Every page is photographed at 1366x768 into
$GOVXL_SCREENSHOTS (default: a govxl-screenshots folder in the system's temporary folder), for a
person to look at; nothing is written into the checkout."""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import random
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from web_helpers import workbench

from govxl.demo import balanced_values, fill, narrative_for
from govxl.form.layout import layout_form
from govxl.form.spec import load_form
from govxl.roster import Agency

pytestmark = pytest.mark.real_program

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-dev-shm-usage"]
YEAR = 2024
PASSWORD = "办公室的密码"
ROSTER = "单位代码,单位名称,单位类别,联系人,联系电话\nA01,卫东区财政局,区直部门,张三,0371-1111\n" \
         "A02,卫东区教育局,区直部门,李四,0371-2222\nB01,卫东区东安街道办事处,乡镇街道,王五,0371-3333\n"
SHOTS = Path(os.environ.get("GOVXL_SCREENSHOTS") or Path(tempfile.gettempdir()) / "govxl-screenshots")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fill_workbook(template: Path, out: Path, agency: Agency, seed: int, changes: dict | None = None) -> dict:
    form = load_form()
    values = balanced_values(form, random.Random(seed))
    values.update(changes or {})
    fill(template, out, values, narrative_for(agency, YEAR, values, form), dt.datetime(YEAR + 1, 1, 10, 9, seed))
    return values


def download(page, click) -> bytes:
    with page.expect_download() as info:
        click()
    return Path(info.value.path()).read_bytes()


def test_the_whole_cycle_in_the_browser_and_through_an_agency_link(browser, tmp_path):
    form = load_form()
    layout = layout_form(form)
    (tmp_path / "名单.csv").write_bytes(ROSTER.encode("gbk"))  # as Chinese Excel saves it
    with workbench(tmp_path / "web.db", YEAR, password=PASSWORD, share=True) as config:
        base = f"http://127.0.0.1:{config.port}"
        office = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="zh-CN")
        page = office.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/{YEAR}/")
        assert page.url.startswith(f"{base}/login")
        shot(page, "01-登录")
        page.fill("input[name=password]", PASSWORD)
        page.click("button:has-text('登录')")
        page.wait_for_url(f"{base}/{YEAR}/")
        shot(page, "02-年度总览-空")

        # 名单: upload the GBK roster
        page.click("nav >> text=名单")
        page.set_input_files("input[name=roster]", str(tmp_path / "名单.csv"))
        page.click("button:has-text('上传名单')")
        assert "名单已保存，共3个单位" in page.inner_text("main")
        assert "0371-3333" in page.inner_text("table.list")
        shot(page, "03-名单")

        # 下发: the .zip of workbooks
        page.click("nav >> text=下发")
        shot(page, "04-下发")
        page.click("button:has-text('生成并打包下载')")
        page.wait_for_selector("a.button:has-text('.zip')", timeout=120_000)
        shot(page, "05-下发-完成")
        data = download(page, lambda: page.click("a.button:has-text('.zip')"))
        books = tmp_path / "下发"
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            assert all(i.flag_bits & 0x800 for i in z.infolist())
            z.extractall(books)
        assert sorted(names) == [f"{YEAR}_A01_卫东区财政局.xlsx", f"{YEAR}_A02_卫东区教育局.xlsx",
                                 f"{YEAR}_B01_卫东区东安街道办事处.xlsx"]
        cover = [str(c.value) for row in openpyxl.load_workbook(books / names[0])["填报说明"].iter_rows() for c in row
                 if c.value]
        assert any(f"{base}/a/" in t for t in cover)  # the agency's own link is on its cover

        # two agencies fill theirs in: one valid, one with an imbalance
        agencies = {"A01": Agency("A01", "卫东区财政局"), "A02": Agency("A02", "卫东区教育局"),
                    "B01": Agency("B01", "卫东区东安街道办事处")}
        returned = tmp_path / "收回"
        good = fill_workbook(books / f"{YEAR}_A01_卫东区财政局.xlsx", returned / "财政局.xlsx", agencies["A01"], 1)
        fill_workbook(books / f"{YEAR}_A02_卫东区教育局.xlsx", returned / "教育局.xlsx", agencies["A02"], 2,
                      {"t3.new.natural": 999})

        # 收集: drop them on the page
        page.click("nav >> text=收集")
        shot(page, "06-收集")
        page.set_input_files("input[data-files]:not([webkitdirectory])",
                             [str(returned / "财政局.xlsx"), str(returned / "教育局.xlsx")])
        assert "已选择2个文件" in page.inner_text("[data-picked]")
        page.click("button:has-text('开始校验')")
        page.wait_for_selector("table.results", timeout=120_000)
        results = page.inner_text("table.results")
        assert "财政局.xlsx" in results and "教育局.xlsx" in results
        rows = {r.inner_text().split("\t")[0]: r.inner_text() for r in page.query_selector_all("table.results tbody tr")}
        assert "通过" in rows["财政局.xlsx"] and "未通过" not in rows["财政局.xlsx"]
        assert "未通过" in rows["教育局.xlsx"]
        shot(page, "07-收集-结果")

        # the rejected agency's findings and its 退回修改表
        page.click("table.results >> text=卫东区教育局")
        assert "未通过" in page.inner_text("main") and "第1版" in page.inner_text("main")
        assert page.query_selector("table.findings tr.error")
        shot(page, "08-单位")
        feedback = download(page, lambda: page.click("a:has-text('下载退回修改表')"))
        book = openpyxl.load_workbook(io.BytesIO(feedback))
        comments = [c.comment.text for ws in book for row in ws.iter_rows() for c in row if c.comment]
        assert comments  # every finding on its cell

        # 进度 and the 催报清单
        page.click("nav >> text=进度")
        reminders = page.inner_text("main")
        assert "李四" not in reminders or "卫东区教育局" in reminders
        assert "王五" in reminders and "0371-3333" in reminders  # B01 sent nothing: its contact is listed
        # each rate's bar is filled as far as its rate (50% for 区直部门, 33% overall, drawn at 35%)
        rows = page.query_selector_all("table.rate tbody tr")
        assert len(rows) == 3  # two groups and the total
        for row in rows:
            rate = int(row.inner_text().split("%")[0].split()[-1])
            bar, fill = row.query_selector(".bar").bounding_box(), row.query_selector(".bar .fill").bounding_box()
            assert abs(fill["width"] / bar["width"] * 100 - rate) <= 3, (row.inner_text(), fill, bar)
        shot(page, "09-进度")

        # 汇总: the summary workbook holds A01's figures (A02 was rejected)
        page.click("nav >> text=汇总")
        assert "已汇总1个单位" in page.inner_text("main")
        assert page.query_selector("table.national") and page.query_selector(".charts svg")
        shot(page, "10-汇总")
        summary = openpyxl.load_workbook(io.BytesIO(download(page, lambda: page.click("a:has-text('下载汇总表')"))))
        sheet, span = layout.locate("t3.new.natural")
        assert summary[sheet].cell(span.row + 1, span.col + 1).value == good["t3.new.natural"]

        # 报告: the district report, previewed in the page
        page.click("nav >> text=报告")
        shot(page, "11-报告")
        page.click("button:has-text('生成全区报告')")
        page.wait_for_selector("iframe.preview", timeout=120_000)
        frame = page.frame_locator("iframe.preview")
        assert f"{YEAR}年" in frame.locator("h1").inner_text()
        shot(page, "12-报告-预览")

        page.click("nav >> text=往年报告")
        shot(page, "13-往年报告")
        page.click("nav >> text=单位链接")
        shot(page, "14-单位链接")
        links = {row.query_selector("td").inner_text(): row.query_selector("td.url").inner_text()
                 for row in page.query_selector_all("table.links tbody tr")}
        page.goto(f"{base}/{YEAR}/")
        shot(page, "15-年度总览")
        assert errors == [], errors  # no script error, no CSP violation

        # an agency through its own link: a fresh browser, no office login
        agency = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        mine = agency.new_page()
        agency_errors = []
        mine.on("console", lambda m: agency_errors.append(m.text) if m.type == "error" else None)
        mine.goto(links["B01"])
        text = mine.inner_text("body")
        assert "卫东区东安街道办事处" in text and "卫东区财政局" not in text and "卫东区教育局" not in text
        shot(mine, "16-单位自查")
        fill_workbook(books / f"{YEAR}_B01_卫东区东安街道办事处.xlsx", returned / "街道-错.xlsx", agencies["B01"], 3,
                      {"t2.fees.amount": -5})
        mine.set_input_files("input[data-files]", str(returned / "街道-错.xlsx"))
        mine.click("button:has-text('上传并校验')")
        mine.wait_for_selector("section.result", timeout=60_000)
        assert "未通过" in mine.inner_text("section.result")
        assert mine.query_selector("section.submit") is None  # errors: nothing to submit
        shot(mine, "17-单位自查-未通过")
        fixed = download(mine, lambda: mine.click("a:has-text('下载退回修改表')"))
        book = openpyxl.load_workbook(io.BytesIO(fixed))
        assert any(c.comment for ws in book for row in ws.iter_rows() for c in row)
        fill_workbook(books / f"{YEAR}_B01_卫东区东安街道办事处.xlsx", returned / "街道.xlsx", agencies["B01"], 3)
        mine.set_input_files("input[data-files]", str(returned / "街道.xlsx"))
        mine.click("button:has-text('上传并校验')")
        mine.wait_for_selector("section.result.accepted, section.result.accepted_with_warnings", timeout=60_000)
        assert "已报送" not in mine.inner_text("main")  # checked, not yet submitted
        shot(mine, "18-单位自查-通过待报送")
        mine.click("section.submit button")
        mine.wait_for_selector("section[data-submitted]", timeout=60_000)
        assert "已报送" in mine.inner_text("section.result")
        shot(mine, "19-单位自查-已报送")
        # and it reaches nothing else: not the office's pages, not the API, not another agency's link
        mine.goto(f"{base}/{YEAR}/agency/A01")
        assert "/login" in mine.url and "卫东区财政局" not in mine.inner_text("body")
        assert agency.request.get(f"{base}/api/{YEAR}/status").status == 401
        assert agency.request.get(f"{base}/api/{YEAR}/agency/A01").status == 401
        assert agency_errors == [], agency_errors
        agency.close()

        page.reload()
        assert "卫东区东安街道办事处" not in page.inner_text(".cards") and "2" in page.inner_text(".card.good")
        page.click("nav >> text=进度")
        assert "王五" not in page.inner_text("main table.list")  # reported now: off the 催报清单
        office.close()


def test_dropping_files_and_a_zip_pinning_a_version_and_an_agency_checking_before_it_submits(browser, tmp_path, form):
    """The collect page takes a .zip and several files dropped at once (a drop event holding the
    files, as Explorer gives them); the office pins a version; an agency with warnings confirms them
    before it submits."""
    from collect_helpers import AGENCIES, filled
    from collect_helpers import YEAR as Y

    import govxl

    a01, _ = filled(tmp_path, "财政局.xlsx", form, agency=AGENCIES[0], seed=1)
    a02, _ = filled(tmp_path, "教育局.xlsx", form, agency=AGENCIES[1], seed=2)
    a01_new, _ = filled(tmp_path, "财政局-改.xlsx", form, agency=AGENCIES[0], seed=9)
    b01, _ = filled(tmp_path, "街道.xlsx", form, agency=AGENCIES[2], seed=3, narrative={})  # warnings: texts blank
    archive = tmp_path / "收到的.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(a01, "第一批/财政局.xlsx")
        z.write(a02, "第一批/教育局.xlsx")
    with govxl.open_store(tmp_path / "web.db") as store:
        govxl.set_roster(store, AGENCIES)
        token = govxl.agency_links(store, ["B01"])[0].token
    with workbench(tmp_path / "web.db", Y, share=True) as config:
        base = f"http://127.0.0.1:{config.port}"
        context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda d: d.accept())  # 确定 on the confirmation of 采用此版本

        # a .zip picked with the file chooser: every workbook inside is collected
        page.goto(f"{base}/{Y}/collect")
        page.set_input_files("input[data-files]:not([webkitdirectory])", str(archive))
        page.click("button:has-text('开始校验')")
        page.wait_for_selector("table.results", timeout=120_000)
        results = page.inner_text("table.results")
        assert "收到的.zip/第一批/财政局.xlsx" in results and "收到的.zip/第一批/教育局.xlsx" in results

        # two files dropped at once
        page.goto(f"{base}/{Y}/collect")
        dropped = page.evaluate_handle("""(files) => {
            const transfer = new DataTransfer();
            for (const f of files) {
                const bytes = Uint8Array.from(atob(f.data), c => c.charCodeAt(0));
                transfer.items.add(new File([bytes], f.name));
            }
            return transfer;
        }""", [{"name": p.name, "data": base64.b64encode(p.read_bytes()).decode()} for p in (a01_new, a02)])
        page.dispatch_event("[data-drop]", "drop", {"dataTransfer": dropped})
        page.wait_for_selector("[data-picked]:has-text('已选择2个文件')", timeout=10_000)
        assert "财政局-改.xlsx" in page.inner_text("[data-picked]")
        page.click("button:has-text('开始校验')")
        page.wait_for_selector("table.results", timeout=120_000)
        rows = {r.inner_text().split("\t")[0]: r.inner_text() for r in page.query_selector_all("table.results tbody tr")}
        assert set(rows) == {"财政局-改.xlsx", "教育局.xlsx"}
        assert "重复" in rows["教育局.xlsx"] and "通过" in rows["财政局-改.xlsx"]
        shot(page, "20-收集-拖入多个文件")

        # the office pins A01's first version, then goes back to the rule
        page.goto(f"{base}/{Y}/agency/A01")
        assert page.inner_text("[data-reason]") == "最近保存的版本"
        page.click("tr[data-version='1'] button:has-text('采用此版本')")
        page.wait_for_selector(".notice.ok")
        assert "已指定" in page.inner_text(".notice.ok") and page.inner_text("[data-reason]") == "办公室指定采用"
        assert "采用中" in page.inner_text("tr[data-version='1']")
        shot(page, "21-单位-指定采用")
        with govxl.open_store(tmp_path / "web.db") as store:
            assert govxl.status(store, Y).agencies[0].accepted_version == 1
        page.click("button:has-text('取消指定')")
        page.wait_for_selector(".notice.ok")
        assert page.inner_text("[data-reason]") == "最近保存的版本"
        assert "采用中" in page.inner_text("tr[data-version='2']")
        assert errors == [], errors

        # an agency: warnings listed, confirmed, submitted; the office has the very bytes
        mine = context.new_page()
        mine.goto(f"{base}/a/{token}")
        mine.set_input_files("input[data-files]", str(b01))
        mine.click("button:has-text('上传并校验')")
        mine.wait_for_selector("section.submit", timeout=60_000)
        assert "通过（有警告）" in mine.inner_text("section.result")
        assert mine.query_selector_all("section.result table.findings tr.warning")
        shot(mine, "22-单位自查-有警告待确认")
        with govxl.open_store(tmp_path / "web.db") as store:
            assert store.submissions(Y, "B01") == []
        mine.click("button:has-text('确认无误，报送')")
        mine.wait_for_selector("section[data-submitted]", timeout=60_000)
        assert "已报送" in mine.inner_text("section[data-submitted]")
        with govxl.open_store(tmp_path / "web.db") as store:
            (kept,) = store.submissions(Y, "B01")
            assert store.blob(kept.sha256) == b01.read_bytes()
        context.close()
