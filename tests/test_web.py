"""The workbench over real HTTP (uvicorn on 127.0.0.1): every page, the JSON API against the
library API, uploads, and the security promises (CSRF, hosts, passwords, limits, names, escaping,
agency links that see nothing of another agency)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from collect_helpers import AGENCIES, YEAR, filled
from web_helpers import TOKEN, client, csrf_of, wait_job, workbench

import govxl
from govxl.roster import Agency
from govxl.web import routes
from govxl.web.app import WebConfig
from govxl.web.serve import configure

HOSTILE = '<img src=x onerror="alert(1)">局'
PAGES = ["/{y}/", "/{y}/roster", "/{y}/generate", "/{y}/collect", "/{y}/progress", "/{y}/summary", "/{y}/reports",
         "/{y}/import", "/{y}/links", "/{y}/agency/A01", "/{y}/agency/B01", "/{y}/roster?edit=A01"]


def xlsx(path):
    return ("files", (path.name, path.read_bytes(), "application/octet-stream"))


@pytest.fixture
def returns(tmp_path, form):
    """Two valid workbooks and one with an imbalance (B01)."""
    a, _ = filled(tmp_path, "a01.xlsx", form, agency=AGENCIES[0], seed=1)
    b, _ = filled(tmp_path, "a02.xlsx", form, agency=AGENCIES[1], seed=2)
    c, _ = filled(tmp_path, "b01.xlsx", form, agency=AGENCIES[2], seed=3, changes={"t3.new.natural": 10**6})
    return [a, b, c]


def store_with_roster(path, agencies=AGENCIES):
    with govxl.open_store(path) as store:
        govxl.set_roster(store, agencies)


def test_the_json_api_answers_what_the_library_answers(tmp_path, returns):
    store_with_roster(tmp_path / "web.db")
    with workbench(tmp_path / "web.db", YEAR) as config, client(config) as http:
        assert http.get("/api/health").json() == {"ok": True}
        auth = {"authorization": f"Bearer {TOKEN}"}
        answer = http.post(f"/api/{YEAR}/collect", files=[xlsx(p) for p in returns], headers=auth)
        assert answer.status_code == 200, answer.text
        web = answer.json()
        status = http.get(f"/api/{YEAR}/status").json()
        merged = http.get(f"/api/{YEAR}/merge").json()
        summary = http.get(f"/api/{YEAR}/summary.xlsx")
        agency = http.get(f"/api/{YEAR}/agency/B01").json()
    # The same files through the library, into another store.
    folder = returns[0].parent
    with govxl.open_store(tmp_path / "lib.db") as store:
        govxl.set_roster(store, AGENCIES)
        library = govxl.collect(store, YEAR, [folder], root=folder).as_dict()
        assert status["overall"] == govxl.status(store, YEAR).as_dict()["overall"]
        assert merged == govxl.merge(store, YEAR).as_dict()
        assert agency["status"]["status"] == "rejected" and agency["versions"][0]["errors"] >= 1
    web.pop("run_id"), library.pop("run_id")
    assert web == library
    assert [f["status"] for f in web["files"]] == ["accepted", "accepted", "rejected"]
    assert [f["file"] for f in web["files"]] == ["a01.xlsx", "a02.xlsx", "b01.xlsx"]  # never a server path
    book = openpyxl.load_workbook(io.BytesIO(summary.content))
    assert summary.status_code == 200 and book.sheetnames


def test_every_page_is_chinese_escaped_and_has_no_inline_script(tmp_path, returns, form):
    hostile = [Agency("A01", HOSTILE, "区直<b>部门</b>"), AGENCIES[1], AGENCIES[2]]
    store_with_roster(tmp_path / "web.db", hostile)
    narrative = {p.key: "</textarea><script>alert('narrative')</script>" for p in form.narrative}
    evil, _ = filled(tmp_path, "<script>x</script>.xlsx", form, agency=hostile[0], seed=4, narrative=narrative)
    with workbench(tmp_path / "web.db", YEAR, share=True) as config, client(config) as http:
        http.post(f"/api/{YEAR}/collect", files=[xlsx(p) for p in [evil, *returns[1:]]],
                  headers={"authorization": f"Bearer {TOKEN}"})
        for page in PAGES:
            r = http.get(page.format(y=YEAR))
            assert r.status_code == 200, (page, r.text[:300])
            html = r.text
            csp = r.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
            assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
            assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], page  # no inline script
            assert "<img src=x" not in html and "<script>alert" not in html and "<script>x" not in html, page
            assert "区直<b>" not in html
            assert "政务公开年报工作台" in html
        assert "&lt;img src=x" in http.get(f"/{YEAR}/roster").text
        links = http.get(f"/{YEAR}/links").text
        token = re.search(r"/a/([A-Za-z0-9_-]{16,})", links).group(1)
        assert "&lt;img src=x" in http.get(f"/a/{token}").text
        assert http.get("/static/app.js").status_code == 200
        for bad in ("/static/", "/static/../app.py", "/static/routes.py", "/static/%2e%2e/app.py", "/jobs/",
                    "/templates/web/base.html"):
            assert http.get(bad).status_code == 404, bad


def test_the_page_runs_the_collection_in_the_background_and_offers_the_feedback(tmp_path, returns):
    store_with_roster(tmp_path / "web.db")
    with workbench(tmp_path / "web.db", YEAR) as config, client(config) as http:
        token = csrf_of(http.get(f"/{YEAR}/collect").text)
        r = http.post(f"/{YEAR}/collect", data={"csrf": token}, files=[xlsx(p) for p in returns])
        assert r.status_code == 200 and "/jobs/" in str(r.url)
        page = wait_job(http, str(r.url))
        assert page.count("通过") >= 2 and "未通过" in page
        assert "问题清单.xlsx" in page and "退回修改表" in page
        issue_list = http.get(str(r.url) + "/file/0")
        assert openpyxl.load_workbook(io.BytesIO(issue_list.content)).sheetnames
        agency = http.get(f"/{YEAR}/agency/B01").text
        assert "未通过" in agency and "第1版" in agency
        feedback = http.get(f"/{YEAR}/agency/B01/feedback")
        assert feedback.status_code == 200 and "attachment" in feedback.headers["content-disposition"]
        book = openpyxl.load_workbook(io.BytesIO(feedback.content))
        assert any(c.comment for ws in book for row in ws.iter_rows() for c in row)
        original = http.get(f"/{YEAR}/agency/B01/file/1")
        assert original.content == returns[2].read_bytes()
        assert "卫东区东安街道办事处" in http.get(f"/{YEAR}/progress").text


def post_routes(config: WebConfig) -> list[str]:
    from govxl.web.app import Workbench

    wb = Workbench(config)
    try:
        return [r.path for r in routes.table(wb) if "POST" in (r.methods or ())]
    finally:
        wb.close()


def test_every_post_without_the_csrf_token_is_refused(tmp_path):
    store_with_roster(tmp_path / "web.db")
    with workbench(tmp_path / "web.db", YEAR, share=True) as config, client(config) as http:
        with govxl.open_store(tmp_path / "web.db") as store:
            (link, *_) = govxl.agency_links(store)
        paths = post_routes(config)
        assert len(paths) >= 14
        for path in paths:
            url = path.replace("{year:int}", str(YEAR)).replace("{token}", link.token)
            if url.startswith("/api/"):
                continue  # the JSON API: a session (same token) or the bearer token, tested below
            http.get(f"/{YEAR}/")  # a session exists, but the form does not carry its token
            r = http.post(url, data={"code": "A01", "name": "x"}, files={"files": ("a.xlsx", b"x")})
            assert r.status_code == 403, (url, r.status_code)
            assert "安全校验码" in r.text
            r = http.post(url, data={"csrf": "forged", "code": "A01"})
            assert r.status_code == 403, url
        r = http.post(f"/api/{YEAR}/collect", files={"files": ("a.xlsx", b"x")})
        assert r.status_code == 403  # a browser session without the token
        with govxl.open_store(tmp_path / "web.db") as store:
            assert [a.code for a in store.roster()] == ["A01", "A02", "B01"]  # nothing changed
            assert store.receipts() == []


def test_other_hosts_need_a_password_and_the_host_header_is_checked(tmp_path):
    with pytest.raises(govxl.InvalidArgument) as e:
        configure(tmp_path / "x.db", YEAR, host="0.0.0.0")
    assert "--password" in str(e.value)
    run = subprocess.run([sys.executable, "-m", "govxl", "serve", "--host", "0.0.0.0", "--no-browser", "--db",
                          str(tmp_path / "x.db")], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "--password" in run.stderr
    assert configure(tmp_path / "x.db", YEAR, host="0.0.0.0", password="s3cret").password == "s3cret"
    assert configure(tmp_path / "x.db", YEAR, host="127.0.0.2").host == "127.0.0.2"
    store_with_roster(tmp_path / "web.db")
    with workbench(tmp_path / "web.db", YEAR) as config, client(config) as http:
        assert http.get(f"/{YEAR}/", headers={"host": "attacker.example:8765"}).status_code == 400
        assert http.get(f"/{YEAR}/", headers={"host": f"localhost:{config.port}"}).status_code == 200


def test_with_a_password_pages_need_a_login_and_the_api_a_session_or_the_token(tmp_path):
    store_with_roster(tmp_path / "web.db")
    with workbench(tmp_path / "web.db", YEAR, password="正确的密码") as config, client(config) as http:
        r = http.get(f"/{YEAR}/progress")
        assert r.url.path == "/login" and "登录" in r.text
        assert http.get(f"/api/{YEAR}/status").status_code == 401
        assert http.get(f"/api/{YEAR}/status", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert http.get(f"/api/{YEAR}/status", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert http.get("/api/health").status_code == 200
        token = csrf_of(r.text)
        r = http.post("/login", data={"csrf": token, "password": "错误", "next": f"/{YEAR}/progress"})
        assert "密码不正确" in r.text
        r = http.post("/login", data={"csrf": token, "password": "正确的密码", "next": "//attacker.example/"})
        assert r.url.path == "/" or r.url.path == f"/{YEAR}/"  # never an open redirect
        assert "HttpOnly" in str(r.history[0].headers.get("set-cookie")) and "SameSite=Strict" in str(
            r.history[0].headers.get("set-cookie"))
        assert http.get(f"/api/{YEAR}/status").status_code == 200  # the session serves the API too
        assert "催报清单" in http.get(f"/{YEAR}/progress").text
        with client(config) as stranger:
            login = stranger.get("/login").text
            for _ in range(10):
                stranger.post("/login", data={"csrf": csrf_of(login), "password": "guess"})
            r = stranger.post("/login", data={"csrf": csrf_of(login), "password": "正确的密码"})
            assert "尝试次数过多" in r.text and r.url.path == "/login"


def test_uploaded_names_are_never_paths(tmp_path, returns):
    store_with_roster(tmp_path / "web.db")
    data = returns[0].read_bytes()
    names = ["../../escaped.xlsx", "..\\..\\escaped2.xlsx", "/tmp/escaped3.xlsx", "CON.xlsx", "a/b/../../c.xlsx",
             "<script>名.xlsx", "..", "", "x" * 300 + ".xlsx"]
    with workbench(tmp_path / "web.db", YEAR, work_dir=tmp_path / "work") as config, client(config) as http:
        files = [("files", (name, data + bytes([i]), "application/octet-stream")) for i, name in enumerate(names)]
        r = http.post(f"/api/{YEAR}/collect", files=files, headers={"authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200, r.text
        shown = [f["file"] for f in r.json()["files"]]
        token = csrf_of(http.get(f"/{YEAR}/collect").text)
        r = http.post(f"/{YEAR}/collect", data={"csrf": token}, files=files)
        page = wait_job(http, str(r.url))
        assert "<script>名" not in page and "_script_名.xlsx" in page
    assert all("/" not in name and "\\" not in name and name not in ("..", "") for name in shown), shown
    assert "CON.xlsx" not in shown and "_CON.xlsx" in shown
    escaped = [p for p in tmp_path.parent.rglob("escaped*")] + list((tmp_path / "work").parent.glob("escaped*"))
    assert escaped == [] and not list(tmp_path.glob("c.xlsx"))


def bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("炸弹.xlsx", b"\0" * (150 * 1024))  # under the size limit, but a ratio of ~1000
    return buffer.getvalue()


def test_oversized_uploads_and_zip_bombs_are_refused_with_a_message(tmp_path, returns):
    store_with_roster(tmp_path / "web.db")
    limits = govxl.UploadLimits(file=200 * 1024, count=3, total=400 * 1024)
    with workbench(tmp_path / "web.db", YEAR, limits=limits) as config, client(config) as http:
        token = csrf_of(http.get(f"/{YEAR}/collect").text)
        cases = {
            "太大": [("files", ("大.xlsx", b"PK" + b"x" * (300 * 1024), "application/octet-stream"))],
            "太多": [("files", (f"{i}.xlsx", b"PK", "application/octet-stream")) for i in range(4)],
            "异常庞大": [("files", ("收到的.zip", bomb(), "application/zip"))],
        }
        for words, files in cases.items():
            r = http.post(f"/{YEAR}/collect", data={"csrf": token}, files=files)
            assert r.status_code == 413 and words in r.text, (words, r.text[:500])
            assert "/jobs/" not in str(r.url)
        huge = b"x" * (2 * 1024 * 1024)
        r = http.post(f"/{YEAR}/collect", content=huge, headers={"content-type": "multipart/form-data; boundary=x"})
        assert r.status_code == 413 and "太大" in r.text
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as z:
            for p in returns[:2]:
                z.writestr(p.name, p.read_bytes())
        r = http.post(f"/{YEAR}/collect", data={"csrf": token}, files=[("files", ("收到.zip", archive.getvalue(), "application/zip"))])
        page = wait_job(http, str(r.url))
        assert "收到.zip/a01.xlsx" in page and "收到.zip/a02.xlsx" in page
    with govxl.open_store(tmp_path / "web.db") as store:
        assert len(store.receipts()) == 2  # only what was accepted for work was collected


def check_id(html: str) -> str:
    m = re.search(r'name="check" value="([^"]+)"', html)
    assert m, "the page has no 报送 button"
    return m.group(1)


def test_an_agency_link_sees_and_changes_only_its_own_agency(tmp_path, returns, form):
    store_with_roster(tmp_path / "web.db")
    with govxl.open_store(tmp_path / "web.db") as store:
        links = {link.agency.code: link for link in govxl.agency_links(store)}
        govxl.collect(store, YEAR, [returns[1]])  # A02 has sent its workbook
    a01, b01 = links["A01"].token, links["B01"].token
    with workbench(tmp_path / "web.db", YEAR, share=True) as config, client(config) as http:
        page = http.get(f"/a/{a01}").text
        assert "卫东区财政局" in page
        for other in ("卫东区教育局", "卫东区东安街道办事处", "A02", "B01", "/2023/", "a02.xlsx"):
            assert other not in page, other
        assert http.get(f"/{YEAR}/agency/A02", headers={"host": "127.0.0.1"}).status_code == 200  # the office's
        # A01 uploads B01's workbook by mistake: refused, nothing to submit
        r = http.post(f"/a/{a01}/upload", data={"csrf": csrf_of(page)}, files=[xlsx(returns[2])])
        assert "不是本单位的" in r.text and "未通过" in r.text and 'name="check"' not in r.text
        # its own workbook: checked at once, kept only when submitted
        r = http.post(f"/a/{a01}/upload", data={"csrf": csrf_of(page)}, files=[xlsx(returns[0])])
        assert "校验全部通过" in r.text and "还没有报送" in r.text and "/checked/" in str(r.url)
        with govxl.open_store(tmp_path / "web.db") as store:
            assert store.submissions(YEAR, "A01") == [] and len(store.receipts()) == 1  # only A02's
        a01_check = check_id(r.text)
        # B01's own, with an imbalance: rejected, its 退回修改表 at hand, no 报送 button
        page = http.get(f"/a/{b01}").text
        r = http.post(f"/a/{b01}/upload", data={"csrf": csrf_of(page)}, files=[xlsx(returns[2])])
        assert "未通过" in r.text and "退回修改表" in r.text and "卫东区财政局" not in r.text
        assert 'name="check"' not in r.text
        b01_checked = str(r.url)
        b01_check = b01_checked.rsplit("/", 1)[-1]
        feedback = http.get(re.search(r'href="(/a/[^"]+/feedback/0)"', r.text).group(1))
        assert feedback.status_code == 200 and "attachment" in feedback.headers["content-disposition"]
        book = openpyxl.load_workbook(io.BytesIO(feedback.content))
        assert any(c.comment for ws in book for row in ws.iter_rows() for c in row)
        r = http.post(f"/a/{b01}/submit", data={"csrf": csrf_of(page), "check": b01_check})
        assert r.status_code == 400 and "不能报送" in r.text  # errors: it cannot be forced in
        # a link reaches only its own checked files: A01's token and B01's check, or the reverse
        assert http.get(f"/a/{a01}/checked/{b01_check}").status_code == 404
        assert http.get(f"/a/{a01}/checked/{b01_check}/feedback/0").status_code == 404
        r = http.post(f"/a/{b01}/submit", data={"csrf": csrf_of(page), "check": a01_check})
        assert r.status_code == 404 and "已过期" in r.text and "已经报送" in r.text
        # A01 submits: the very bytes it saw checked are kept; a second submit finds nothing
        r = http.post(f"/a/{a01}/submit", data={"csrf": csrf_of(page), "check": a01_check})
        assert r.status_code == 200 and "已报送区政府办公室" in r.text, r.text[:500]
        r = http.post(f"/a/{a01}/submit", data={"csrf": csrf_of(page), "check": a01_check})
        assert r.status_code == 404
        with govxl.open_store(tmp_path / "web.db") as store:
            (kept,) = store.submissions(YEAR, "A01")
            assert store.blob(kept.sha256) == returns[0].read_bytes() and kept.original_name == "a01.xlsx"
        assert http.get(f"/a/{a01}/feedback").status_code == 404  # nothing to point out
        # the office revokes B01's link: it stops working, its checked files with it; a new one works
        office = http.get(f"/{YEAR}/links").text
        http.post(f"/{YEAR}/links/revoke", data={"csrf": csrf_of(office), "code": "B01"})
        assert http.get(f"/a/{b01}").status_code == 404
        assert http.get(b01_checked).status_code == 404
        with govxl.open_store(tmp_path / "web.db") as store:
            new = govxl.reissue_link(store, "B01")
        assert http.get(f"/a/{new.token}").status_code == 200
        assert http.get(f"/a/{new.token}/checked/{b01_check}").status_code == 404
    with govxl.open_store(tmp_path / "web.db") as store:
        status = {a.code: a.status for a in govxl.status(store, YEAR).agencies}
        assert status == {"A01": "accepted", "A02": "accepted", "B01": "not_received"}
        assert len(store.receipts()) == 2  # nothing checked and not submitted was kept


def test_an_agency_confirms_warnings_before_submitting_and_checked_files_expire(tmp_path, form, monkeypatch):
    from govxl.web import jobs

    store_with_roster(tmp_path / "web.db")
    with govxl.open_store(tmp_path / "web.db") as store:
        token = govxl.agency_links(store, ["A01"])[0].token
    warned, _ = filled(tmp_path, "a01-warn.xlsx", form, agency=AGENCIES[0], seed=1, narrative={})
    with govxl.open_store(tmp_path / "s.db") as store:
        govxl.set_roster(store, AGENCIES)
        expected = govxl.check(store, YEAR, [warned]).files[0]
    assert expected.status == "accepted_with_warnings"  # blank narrative parts are warnings
    with workbench(tmp_path / "web.db", YEAR, share=True) as config, client(config) as http:
        page = http.get(f"/a/{token}").text
        r = http.post(f"/a/{token}/upload", data={"csrf": csrf_of(page)}, files=[xlsx(warned)])
        assert "确认无误，报送" in r.text
        for f in expected.findings:
            assert f.message in r.text or html_escape(f.message) in r.text
        r = http.post(f"/a/{token}/submit", data={"csrf": csrf_of(page), "check": check_id(r.text)})
        assert "已报送" in r.text
        # a checked file waits an hour at most: then it must be uploaded again
        r = http.post(f"/a/{token}/upload", data={"csrf": csrf_of(page)}, files=[xlsx(warned)])
        assert "以前已经报送过" in r.text and 'name="check"' not in r.text  # the same file: nothing to submit
        other, _ = filled(tmp_path, "a01-2.xlsx", form, agency=AGENCIES[0], seed=5)
        r = http.post(f"/a/{token}/upload", data={"csrf": csrf_of(page)}, files=[xlsx(other)])
        waiting = check_id(r.text)
        monkeypatch.setattr(jobs, "CHECK_LIFE", 0)
        r = http.post(f"/a/{token}/submit", data={"csrf": csrf_of(page), "check": waiting})
        assert r.status_code == 404 and "已过期" in r.text
        # uploads and submits of a link are rate-limited together: 30 in 10 minutes (5 made above)
        codes = [http.post(f"/a/{token}/submit", data={"csrf": csrf_of(page), "check": "x"}).status_code
                 for _ in range(30)]
        assert codes == [404] * 25 + [429] * 5
    with govxl.open_store(tmp_path / "web.db") as store:
        assert len(store.submissions(YEAR, "A01")) == 1


def html_escape(text: str) -> str:
    import html

    return html.escape(text)


def test_the_office_pins_the_version_in_use_on_the_agency_page(tmp_path, form):
    store_with_roster(tmp_path / "web.db")
    v1, _ = filled(tmp_path, "v1.xlsx", form, agency=AGENCIES[0], seed=1)
    with govxl.open_store(tmp_path / "web.db") as store:
        govxl.collect(store, YEAR, [v1])
        v2, _ = filled(tmp_path, "v2.xlsx", form, agency=AGENCIES[0], seed=7)
        govxl.collect(store, YEAR, [v2])
        v3, _ = filled(tmp_path, "v3.xlsx", form, agency=AGENCIES[0], seed=8, changes={"t3.new.natural": 10**6})
        govxl.collect(store, YEAR, [v3])
    with workbench(tmp_path / "web.db", YEAR) as config, client(config) as http:
        page = http.get(f"/{YEAR}/agency/A01").text
        assert "最近保存的通过版本（更新的版本未通过）" in page  # why version 2 is the one in use
        rows = re.findall(r'<tr class="[^"]*" data-version="(\d)">(.*?)</tr>', page, re.DOTALL)
        assert [v for v, row in rows if "采用此版本" in row] == ["2", "1"]  # not the rejected version 3
        r = http.post(f"/{YEAR}/agency/A01/pin", data={"csrf": csrf_of(page), "version": "1"})
        assert r.status_code == 200 and "已指定" in r.text and "办公室指定采用" in r.text
        assert "取消指定，恢复按规则采用" in r.text
        with govxl.open_store(tmp_path / "web.db") as store:
            a01 = govxl.status(store, YEAR).agencies[0]
            assert (a01.accepted_version, a01.accepted_reason) == (1, "pinned")
        r = http.post(f"/{YEAR}/agency/A01/pin", data={"csrf": csrf_of(page), "version": "3"})
        assert r.status_code == 400 and "未通过校验，不能指定采用" in r.text
        r = http.post(f"/{YEAR}/agency/A01/unpin", data={"csrf": csrf_of(page)})
        assert "已取消指定" in r.text and "最近保存的通过版本" in r.text
        with govxl.open_store(tmp_path / "web.db") as store:
            a01 = govxl.status(store, YEAR).agencies[0]
            assert (a01.accepted_version, a01.accepted_reason) == (2, "newest_accepted")


def test_composing_every_agencys_report_shows_its_progress(tmp_path, returns):
    store_with_roster(tmp_path / "web.db")
    with govxl.open_store(tmp_path / "web.db") as store:
        govxl.collect(store, YEAR, returns)  # two accepted, one rejected
    with workbench(tmp_path / "web.db", YEAR) as config, client(config) as http:
        token = csrf_of(http.get(f"/{YEAR}/reports").text)
        r = http.post(f"/{YEAR}/reports", data={"csrf": token, "kind": "all", "format": "md"})
        page = wait_job(http, str(r.url))
        state = http.get("/api/jobs/" + str(r.url).rsplit("/", 1)[-1]).json()
        assert (state["state"], state["done"], state["total"]) == ("done", 2, 2)
        assert "（2份）.zip" in page


def test_guessing_agency_links_is_rate_limited(tmp_path):
    store_with_roster(tmp_path / "web.db")
    with govxl.open_store(tmp_path / "web.db") as store:
        (link, *_) = govxl.agency_links(store)
    with workbench(tmp_path / "web.db", YEAR, share=True) as config, client(config) as http:
        codes = [http.get(f"/a/guess{i:04d}xxxxxxxxxxxx").status_code for i in range(25)]
        assert codes[:20] == [404] * 20 and set(codes[20:]) == {429}
        assert http.get(f"/a/{link.token}").status_code == 429  # even a right one, for a while
    with workbench(tmp_path / "web.db", YEAR) as config, client(config) as http:
        assert http.get(f"/a/{link.token}").status_code == 404  # links are off without --share


def test_the_cli_starts_the_workbench(tmp_path):
    import time

    from web_helpers import free_port

    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "GOVXL_START_METHOD": "spawn", "HOME": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "govxl", "serve", "--no-browser", "--port", str(port),
                                "--db", str(tmp_path / "cli.db"), "--year", str(YEAR)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        import httpx

        for _ in range(100):
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=True, timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert r.status_code == 200 and f"{YEAR}年度" in r.text
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}/" in out and "Bearer" in out
    assert (tmp_path / "cli.db").exists()
    assert json.loads(subprocess.run([sys.executable, "-m", "govxl", "status", "--year", str(YEAR), "--db",
                                      str(tmp_path / "cli.db"), "--json"], capture_output=True, text=True,
                                     timeout=60).stdout)["overall"]["total"] == 0
