"""The API entry points the workbench needed, usable by any program: roster edits, the zip of
workbooks, agencies' links on the covers, versions and their original bytes, an agency's feedback,
the issue list as it stands, the 催报清单, and uploads under limits."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from collect_helpers import AGENCIES, YEAR, filled

import govxl
from govxl.roster import parse_roster


def test_roster_edits_are_checked_like_a_roster_file_and_download_round_trips(tmp_path):
    with govxl.open_store(tmp_path / "s.db") as store:
        govxl.set_roster(store, AGENCIES)
        govxl.update_agency(store, "A01", name="卫东区财政局（更名）", group="区直部门", contact="张三", phone="0371-1234")
        govxl.update_agency(store, "C01", name="新单位", add=True)
        with pytest.raises(govxl.RosterError) as e:
            govxl.update_agency(store, "A02", name="卫东区东安街道办事处")  # B01's name
        assert "第3行" in e.value.problems[0] and "重复" in e.value.problems[0]
        with pytest.raises(govxl.RosterError):
            govxl.update_agency(store, "A02", name="教育局", contact="李\n四")
        with pytest.raises(govxl.InvalidArgument):
            govxl.update_agency(store, "ZZ", name="x")
        with pytest.raises(govxl.InvalidArgument):
            govxl.update_agency(store, "a01", name="x", add=False)
        govxl.remove_agency(store, "A02")
        roster = store.roster()
        data = govxl.roster_csv(store)
    assert [a.code for a in roster] == ["A01", "B01", "C01"]
    assert roster[0].contact == "张三" and roster[0].phone == "0371-1234" and roster[0].name == "卫东区财政局（更名）"
    assert data.startswith(b"\xef\xbb\xbf")  # Excel opens UTF-8 with a BOM
    again = parse_roster(data)
    assert [(a.code, a.name, a.group, a.contact, a.phone) for a in again] == \
        [(a.code, a.name, a.group, a.contact, a.phone) for a in roster]


def test_the_zip_of_workbooks_flags_its_names_as_utf8(tmp_path):
    with govxl.open_store(tmp_path / "s.db") as store:
        result = govxl.generate(store, YEAR, tmp_path / "out", roster=AGENCIES)
    archive = govxl.zip_files(result.paths, tmp_path / "下发.zip")
    with zipfile.ZipFile(archive) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == [p.name for p in result.paths]
        assert all(i.flag_bits & 0x800 for i in infos)  # Windows Explorer shows the Chinese names
        assert z.read(infos[0]) == result.paths[0].read_bytes()


def test_generated_covers_carry_each_agencys_own_link(tmp_path):
    with govxl.open_store(tmp_path / "s.db") as store:
        result = govxl.generate(store, YEAR, tmp_path / "out", roster=AGENCIES, upload_url="http://10.0.0.5:8765",
                                deadline=__import__("datetime").date(YEAR + 1, 1, 15))
        links = {link.agency.code: link for link in govxl.agency_links(store, issue=False)}
        assert govxl.deadline(store, YEAR).isoformat() == f"{YEAR + 1}-01-15"
        one = govxl.generate(store, YEAR, tmp_path / "one", codes=["B01"], upload_url="http://10.0.0.5:8765")
        assert [a.code for a in store.roster()] == ["A01", "A02", "B01"]  # one agency's workbook: roster kept
        old = links["A02"].token
        new = govxl.reissue_link(store, "A02")
        assert govxl.agency_for_token(store, old) is None and govxl.agency_for_token(store, new.token).code == "A02"
        assert govxl.revoke_link(store, "A02") and govxl.agency_for_token(store, new.token) is None
    assert sorted(links) == ["A01", "A02", "B01"] and len({x.token for x in links.values()}) == 3
    for path, agency in zip(result.paths + one.paths, AGENCIES + AGENCIES[2:], strict=True):
        cover = openpyxl.load_workbook(path)["填报说明"]
        texts = [str(c.value) for row in cover.iter_rows() for c in row if c.value]
        url = f"http://10.0.0.5:8765/a/{links[agency.code].token}"
        assert any(url in t for t in texts), agency.code
        others = [x.token for code, x in links.items() if code != agency.code]
        assert not any(token in t for t in texts for token in others)


def test_history_original_bytes_feedback_issue_list_and_reminders(tmp_path, form):
    a01, _ = filled(tmp_path, "a01.xlsx", form, agency=AGENCIES[0], seed=1, changes={"t3.new.natural": 10**6})
    with govxl.open_store(tmp_path / "s.db") as store:
        govxl.set_roster(store, [AGENCIES[0], AGENCIES[1].with_details(name=AGENCIES[1].name, group="区直部门",
                                                                       contact="王五", phone="110"), AGENCIES[2]])
        govxl.collect(store, YEAR, [a01])
        fixed, _ = filled(tmp_path, "a01-fixed.xlsx", form, agency=AGENCIES[0], seed=1)
        govxl.collect(store, YEAR, [fixed])
        history = govxl.agency_history(store, YEAR, "A01")
        assert [v.version for v in history.versions] == [2, 1]
        assert [v.in_use for v in history.versions] == [True, False]
        assert history.versions[1].status == "rejected" and history.versions[1].findings
        name, data = govxl.original_file(store, YEAR, "A01", 1)
        assert (name, data) == ("a01.xlsx", a01.read_bytes())
        with pytest.raises(govxl.InvalidArgument):
            govxl.original_file(store, YEAR, "A01", 3)
        assert govxl.feedback(store, YEAR, "A01", tmp_path / "fb") is None  # the latest has nothing to fix
        path = govxl.feedback(store, YEAR, "A01", tmp_path / "fb", version=1)
        book = openpyxl.load_workbook(path)
        assert any(c.comment for ws in book for row in ws.iter_rows() for c in row)
        issues = govxl.issue_list(store, YEAR, tmp_path / "问题清单.xlsx")
        reminders = govxl.reminders(store, YEAR)
        assert [s.code for s, _ in reminders.rows] == ["A02", "B01"]
        text = reminders.csv().decode("utf-8-sig")
        assert "王五" in text and "110" in text and "卫东区财政局" not in text
        assert govxl.agency_history(store, YEAR, "A02").versions == []
    assert openpyxl.load_workbook(issues).sheetnames


class GbkName(zipfile.ZipInfo):
    """A member named as Chinese Windows' built-in zip names it: GBK bytes, no UTF-8 flag."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits


def zip_of(members: dict[str, bytes], *, utf8: bool = True) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            info = zipfile.ZipInfo(name) if utf8 else GbkName(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    buffer.seek(0)
    return buffer


def test_uploads_unpack_archives_with_windows_names_under_the_limits(tmp_path):
    intake = govxl.Intake(tmp_path / "in", govxl.UploadLimits(file=1000, count=4, total=10_000))
    saved = intake.add("收到的.zip", zip_of({"文件夹/财政局.xlsx": b"PK1", "__MACOSX/._x": b"", "~$lock.xlsx": b"x",
                                              "教育局.xlsx": b"PK2"}, utf8=False))
    assert [p.relative_to(tmp_path / "in").as_posix() for p in saved] == ["收到的.zip/文件夹/财政局.xlsx",
                                                                           "收到的.zip/教育局.xlsx"]
    assert intake.add("../../a.xlsx", io.BytesIO(b"PK3"))[0] == tmp_path / "in" / "a.xlsx"
    assert intake.add("a.xlsx", io.BytesIO(b"PK4"))[0].name == "a (2).xlsx"
    with pytest.raises(govxl.UploadRefused, match="太多"):
        intake.add("b.xlsx", io.BytesIO(b"PK5"))
    refused = {
        "异常庞大": ("bomb.zip", zip_of({"x.xlsx": b"\0" * 90_000})),  # ratio far above 200
        "太大": ("big.xlsx", io.BytesIO(b"x" * 100_001)),
        "已损坏": ("bad.zip", io.BytesIO(b"PK\x03\x04 not really")),
    }
    for words, (name, stream) in refused.items():
        fresh = govxl.Intake(tmp_path / words, govxl.UploadLimits(file=100_000, count=4, total=1_000_000))
        with pytest.raises(govxl.UploadRefused, match=words):
            fresh.add(name, stream)
        assert [p for p in (tmp_path / words).rglob("*") if p.is_file()] == []  # nothing half-saved


def test_an_archive_keeps_its_folders_and_never_leaves_its_own(tmp_path):
    """Two batches in one .zip each holding 财政局.xlsx: both kept, each under its folder (which
    tells the office where it came from); names that climb out or start at the root stay inside;
    folders nest no deeper than MAX_FOLDERS."""
    from govxl.collection.uploads import MAX_FOLDERS

    intake = govxl.Intake(tmp_path / "in", govxl.UploadLimits(file=1000, count=10, total=10_000))
    deep = "/".join(f"层{i}" for i in range(MAX_FOLDERS + 3)) + "/深.xlsx"
    saved = intake.add("收到的.zip", zip_of({"第一批/财政局.xlsx": b"PK1", "第二批/财政局.xlsx": b"PK2",
                                              "../../逃出.xlsx": b"PK3", "/根/绝对.xlsx": b"PK4", deep: b"PK5"}))
    shown = [p.relative_to(tmp_path / "in").as_posix() for p in saved]
    assert shown[:2] == ["收到的.zip/第一批/财政局.xlsx", "收到的.zip/第二批/财政局.xlsx"]
    assert [p.read_bytes() for p in saved] == [b"PK1", b"PK2", b"PK3", b"PK4", b"PK5"]  # nothing lost
    assert all(p.resolve().is_relative_to((tmp_path / "in" / "收到的.zip").resolve()) for p in saved)
    assert shown[2:4] == ["收到的.zip/逃出.xlsx", "收到的.zip/根/绝对.xlsx"]
    assert shown[4].count("/") == MAX_FOLDERS + 1 and shown[4].endswith("/深.xlsx")
    assert [p for p in tmp_path.rglob("*.xlsx") if not p.is_relative_to(tmp_path / "in")] == []


def test_check_tells_what_collect_would_and_keeps_nothing(tmp_path, form):
    good, _ = filled(tmp_path, "a01.xlsx", form, agency=AGENCIES[0], seed=1)
    bad, _ = filled(tmp_path, "b01.xlsx", form, agency=AGENCIES[2], seed=3, changes={"t3.new.natural": 10**6})
    with govxl.open_store(tmp_path / "s.db") as store:
        govxl.set_roster(store, AGENCIES)
        checked = govxl.check(store, YEAR, [good, bad], feedback=tmp_path / "fb")
        assert store.receipts() == [] and store.submissions(YEAR) == []  # nothing kept
        assert [f.status for f in checked.files] == ["accepted", "rejected"]
        assert not checked.valid
        # the 退回修改表 of the checked file, made from its bytes (the store does not have them)
        assert checked.files[0].feedback is None and checked.report_files == [checked.files[1].feedback]
        book = openpyxl.load_workbook(checked.files[1].feedback)
        assert any(c.comment for ws in book for row in ws.iter_rows() for c in row)
        # through an agency's link: another agency's workbook is refused, as collect refuses it
        assert govxl.check(store, YEAR, [bad], agency="A01").files[0].findings[0].code == "identity.other_agency"
        collected = govxl.collect(store, YEAR, [good, bad])
        checked_dict, collected_dict = checked.as_dict(), collected.as_dict()
        for d in (checked_dict, collected_dict):
            d.pop("run_id"), d.pop("report_files")
            for f in d["files"]:
                f.pop("version"), f.pop("in_use")
        assert checked_dict == collected_dict  # what the check said is what collecting said
        again = govxl.check(store, YEAR, [good])
        assert again.files[0].status == "duplicate"  # the office has this very file already
        assert len(store.receipts()) == 2


def test_the_office_pins_a_version_through_the_api_and_unpins_it(tmp_path, form):
    v1, _ = filled(tmp_path, "v1.xlsx", form, agency=AGENCIES[0], seed=1)
    with govxl.open_store(tmp_path / "s.db") as store:
        govxl.set_roster(store, AGENCIES)
        govxl.collect(store, YEAR, [v1])
        v2, _ = filled(tmp_path, "v2.xlsx", form, agency=AGENCIES[0], seed=7)
        govxl.collect(store, YEAR, [v2])
        status = {a.code: a for a in govxl.status(store, YEAR).agencies}
        assert (status["A01"].accepted_version, status["A01"].accepted_reason) == (2, "newest")
        chosen = govxl.pin(store, YEAR, "ａ０１", 1)  # the code in any width or case, as the CLI takes it
        assert chosen.version == 1 and chosen.original_name == "v1.xlsx"
        status = {a.code: a for a in govxl.status(store, YEAR).agencies}
        assert (status["A01"].accepted_version, status["A01"].accepted_reason) == (1, "pinned")
        with pytest.raises(govxl.GovxlError, match="没有第9版本"):
            govxl.pin(store, YEAR, "A01", 9)
        assert govxl.unpin(store, YEAR, "A01") is True
        assert govxl.unpin(store, YEAR, "A01") is False
        assert govxl.status(store, YEAR).agencies[0].accepted_version == 2


def test_reminders_take_the_status_already_computed_of_their_year(tmp_path, monkeypatch):
    from govxl.collection import status as status_module

    with govxl.open_store(tmp_path / "s.db") as store:
        govxl.set_roster(store, AGENCIES)
        status = govxl.status(store, YEAR)
        calls = []
        real = status_module.completeness
        monkeypatch.setattr(status_module, "completeness", lambda *a: calls.append(a) or real(*a))
        reminders = govxl.reminders(store, YEAR, status=status)
        assert calls == [] and [s.code for s, _ in reminders.rows] == ["A01", "A02", "B01"]
        assert [s.code for s, _ in govxl.reminders(store, YEAR).rows] == ["A01", "A02", "B01"]
        assert len(calls) == 1
        with pytest.raises(govxl.InvalidArgument, match=f"{YEAR}年度"):
            govxl.reminders(store, YEAR + 1, status=status)
