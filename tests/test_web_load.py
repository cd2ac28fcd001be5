"""Load on the workbench, on 127.0.0.1 only, bounded in count and time: 500 files in one upload are
processed in the background with progress while the server keeps answering, within bounded
memory; 20 agencies checking and submitting at the same moment through their links lose nothing."""

from __future__ import annotations

import resource
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from web_helpers import client, csrf_of, workbench

import govxl
from govxl.roster import Agency

pytestmark = pytest.mark.real_program
YEAR = 2024
COUNT = 500


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    """500 agencies and their (unfilled) workbooks."""
    folder = tmp_path_factory.mktemp("district")
    agencies = [Agency(f"D{i:03d}", f"测试单位{i:03d}", "区直部门" if i % 3 else "乡镇街道") for i in range(COUNT)]
    with govxl.open_store(folder / "template.db") as store:
        result = govxl.generate(store, YEAR, folder / "books", roster=agencies)
    return agencies, result.paths


def test_500_files_in_one_upload_with_progress_a_responsive_server_and_bounded_memory(tmp_path, district):
    agencies, paths = district
    with govxl.open_store(tmp_path / "web.db") as store:
        govxl.set_roster(store, agencies)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    with workbench(tmp_path / "web.db", YEAR) as config, client(config) as http:
        token = csrf_of(http.get(f"/{YEAR}/collect").text)
        files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths]
        started = time.monotonic()
        r = http.post(f"/{YEAR}/collect", data={"csrf": token, "blank_as_zero": "1"}, files=files,
                      follow_redirects=False)
        del files
        assert r.status_code == 303, r.text[:300]
        job = r.headers["location"].rsplit("/", 1)[-1]
        seen, slowest, pages = set(), 0.0, 0.0
        while True:
            assert time.monotonic() - started < 400, "500 files took too long"
            t = time.monotonic()
            assert http.get("/api/health").json() == {"ok": True}
            assert "开始校验" in http.get(f"/{YEAR}/collect").text
            slowest = max(slowest, time.monotonic() - t)
            t = time.monotonic()
            http.get(f"/{YEAR}/progress")
            pages = max(pages, time.monotonic() - t)
            state = http.get(f"/api/jobs/{job}").json()
            seen.add(state["done"])
            if state["state"] in ("done", "failed"):
                break
            time.sleep(0.05)  # short: a fast machine processes the 500 files in a few seconds
        assert state["state"] == "done", state
        assert state["done"] == state["total"] == COUNT
        assert len([n for n in seen if 0 < n < COUNT]) >= 3  # progress was reported along the way
        assert slowest < 5, slowest  # the page kept answering while the files were processed
        print(f"500 files: {time.monotonic() - started:.0f} s; slowest 进度 page meanwhile {pages:.1f} s")
        status = http.get(f"/api/{YEAR}/status").json()
    assert status["overall"]["reported"] == COUNT
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown < 1024, f"the server (and this client) grew by {grown:.0f} MiB"


def test_20_agencies_checking_and_submitting_at_once_lose_nothing(tmp_path, district):
    import datetime as dt
    import random
    import re

    from govxl.demo import balanced_values, fill, narrative_for
    from govxl.form.spec import load_form

    agencies, paths = district
    agencies = agencies[:20]
    form = load_form()
    filled = []
    for i, agency in enumerate(agencies):  # filled in as their clerks would: every one passes
        values = balanced_values(form, random.Random(i))
        filled.append(fill(paths[i], tmp_path / "filled" / paths[i].name, values,
                           narrative_for(agency, YEAR, values, form), dt.datetime(YEAR + 1, 1, 10, 9, i)))
    with govxl.open_store(tmp_path / "web.db") as store:
        govxl.set_roster(store, agencies)
        links = {link.agency.code: link.token for link in govxl.agency_links(store)}
    with workbench(tmp_path / "web.db", YEAR, share=True) as config:
        def upload_and_submit(i: int) -> str:
            with client(config) as http:
                token = links[agencies[i].code]
                page = http.get(f"/a/{token}").text
                r = http.post(f"/a/{token}/upload", data={"csrf": csrf_of(page)},
                              files=[("files", (filled[i].name, filled[i].read_bytes(), "application/octet-stream"))])
                assert r.status_code == 200 and "/checked/" in str(r.url), r.text[:300]
                check = re.search(r'name="check" value="([^"]+)"', r.text).group(1)
                r = http.post(f"/a/{token}/submit", data={"csrf": csrf_of(page), "check": check})
                assert r.status_code == 200, r.text[:300]
                return r.text

        started = time.monotonic()
        with ThreadPoolExecutor(20) as pool:
            pages = list(pool.map(upload_and_submit, range(20)))
        assert time.monotonic() - started < 240
    assert all("已报送" in p for p in pages)
    with govxl.open_store(tmp_path / "web.db") as store:
        kept = {a.code: len(store.submissions(YEAR, a.code)) for a in agencies}
        assert kept == {a.code: 1 for a in agencies}
        assert sorted(store.blob(s.sha256) for s in store.submissions(YEAR)) == sorted(p.read_bytes() for p in filled)
