"""``govxl demo``: the whole yearly cycle on the sample district (卫东区), in one call.

The sample data ships with the package (``samples/``, packaged as ``govxl/samples``): a roster of
35 agencies, the published 2022 report of 卫东区金融工作局 and the numbers and text of its 2023
report. The agencies' filling-in is simulated here, deterministically: most fill a valid report;
several make the typical mistakes (an imbalance, text in a number cell, a tampered layout, a
workbook of the wrong year, a resubmission, an old .xls file); two send nothing; 卫东区金融工作局
(WD025) fills exactly the numbers and text of its published 2023 report. Then the cycle runs as a
district office would run it: generate, import last year's published report, collect in two
batches with feedback, status, merge, export and compose.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from govxl import messages as msg
from govxl.errors import GovxlError
from govxl.form.layout import layout_form
from govxl.form.spec import Form, load_form
from govxl.resources import samples_dir
from govxl.roster import Agency
from govxl.workbook.generate import WorkbookRequest, write_workbook

YEAR = 2023  # the year of the seed report; the published report imported is the year before
DISTRICT_CODE = "WD"
DISTRICT_NAME = "卫东区人民政府"
NOT_SENDING = {"WD027", "WD108"}
SAVED_AT = dt.datetime(2024, 1, 10, 9, 0, 0)
MARKER = ".govxl-demo"  # marks a folder as the demo's own, so that a new run may empty it
FIRST_BATCH, SECOND_BATCH = "第一批", "第二批"


class DemoError(GovxlError):
    """The demo cannot run (its output folder holds other files). Chinese message."""


# --- the agencies' side: filling in the workbooks ------------------------------------------------


def balanced_values(form: Form, rng: random.Random, scale: int = 20) -> dict:
    """Input values that satisfy every rule of the form: counts drawn at random, then 本年新收
    chosen so that each column of table three balances."""
    values = {k: rng.choice([0, 0, 0, 1, 2, 3, rng.randint(0, scale)]) for k in form.input_keys}
    for key in values:  # organisations other than companies rarely apply
        if key.split(".")[-1] in ("research", "public_interest", "legal_service") and rng.random() < 0.8:
            values[key] = 0
    values["t2.fees.amount"] = rng.choice([0, 0, round(rng.uniform(0, 80), 4)])
    t3 = form.table("t3")
    outcomes = [r.key for r in t3.rows if r.key not in ("new", "carried_over", "handled_total", "carry_next")]
    for col in t3.columns:
        if col.key == "total":
            continue
        out = sum(values[f"t3.{r}.{col.key}"] for r in outcomes) + values[f"t3.carry_next.{col.key}"]
        values[f"t3.carried_over.{col.key}"] = min(values[f"t3.carried_over.{col.key}"], out)
        values[f"t3.new.{col.key}"] = out - values[f"t3.carried_over.{col.key}"]
    return values


def narrative_for(agency: Agency, year: int, values: dict, form: Form) -> dict:
    new = sum(v for k, v in values.items() if k.startswith("t3.new.") and isinstance(v, int))
    texts = {
        "overview": f"{year}年，{agency.name}认真贯彻落实《中华人民共和国政府信息公开条例》，"
                    "围绕中心工作，及时、准确、全面地公开政府信息。",
        "active": f"全年通过区政府门户网站公开信息{20 + new * 3}条，涵盖机构职能、政策文件、财政预决算等内容。",
        "on_request": f"全年收到政府信息公开申请{new}件，均在法定期限内答复。" if new
        else f"{year}年度，全年未收到政府信息公开申请。",
        "management": "严格执行信息发布审核制度，坚持“先审后发”，做好保密审查。",
        "platform": "依托区政府门户网站信息公开专栏，及时更新栏目内容。",
        "oversight": "将政务公开工作纳入年度考核，组织业务培训。",
        "problems": "政府信息公开的主动性和时效性有待进一步提高。",
        "improvements": "针对上年度问题，健全了信息发布审核机制，加强了业务培训。",
        "other_matters": f"{year}年本机关依申请公开政府信息未收取信息处理费。",
    }
    return {p.key: texts.get(p.key, "") for p in form.narrative}


def fill(template: Path, out: Path, values: dict, narrative: dict, saved_at: dt.datetime) -> Path:
    """Type values and texts into the input cells of a workbook, as a clerk would in Excel."""
    form = load_form()
    layout = layout_form(form)
    wb = openpyxl.load_workbook(template)
    for key, value in values.items():
        sheet, span = layout.locate(key)
        wb[sheet][span.a1].value = value
    narrative_sheet = layout.narrative_sheet
    for key, text in narrative.items():
        wb[narrative_sheet.name][narrative_sheet.inputs[key].a1].value = text
    wb.properties.modified = saved_at  # as Excel records the time of saving (collect orders versions by it)
    out.parent.mkdir(parents=True, exist_ok=True)
    _save_keeping_time(wb, out)
    return out


def _save_keeping_time(wb, out: Path) -> None:
    """openpyxl's save() stamps the current time over properties.modified; its writer does not."""
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    ExcelWriter(wb, ZipFile(out, "w", ZIP_DEFLATED, allowZip64=True)).save()


def seed_submission(form: Form) -> tuple[dict, dict]:
    """The numbers and text of 卫东区金融工作局's published 2023 report."""
    seed = json.loads((samples_dir() / "seed" / "weidong-finance-2023.json").read_text(encoding="utf-8"))
    values = {k: seed["values"].get(k, seed["default_value"]) for k in form.input_keys}
    return values, seed["narrative"]


def make_submissions(workbooks: str | Path, out: str | Path, year: int = YEAR) -> tuple[Path, Path]:
    """Fill the sample district's workbooks (``<year>_*.xlsx`` in ``workbooks``) as its agencies
    would. Writes ``out/第一批`` (the first files received) and ``out/第二批`` (resubmissions) and
    returns both folders."""
    workbooks, out = Path(workbooks), Path(out)
    form = load_form()
    rng = random.Random(year)
    first, second = out / FIRST_BATCH, out / SECOND_BATCH
    for d in (first, second):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    templates = sorted(workbooks.glob(f"{year}_*.xlsx"))
    layout = layout_form(form)
    for template in templates:
        code = template.name.split("_")[1]
        name = template.stem.split("_", 2)[2]
        agency = Agency(code, name)
        values = balanced_values(form, rng, scale=rng.choice([2, 3, 5, 8, 30]))
        narrative = narrative_for(agency, year, values, form)
        target = first / f"{name}{year}年报表.xlsx"
        if code in NOT_SENDING:
            continue
        if code == "WD025":
            values, narrative = seed_submission(form)
        elif code == "WD003":  # 教育局: the balance is off by one, fixed in the second batch
            fill(template, second / f"{name}（修改后）.xlsx", values, narrative, SAVED_AT + dt.timedelta(days=3))
            values = {**values, "t3.new.natural": values["t3.new.natural"] + 1}
        elif code == "WD007":  # 司法局: a number typed as text with full-width digits (a warning)
            values = {**values, "t2.penalty.decisions": "１５"}
        elif code == "WD012":  # 住建局: text in a number cell
            values = {**values, "t3.withheld_4.natural": "无"}
        elif code == "WD021":  # 市场监管局: sends again with corrections in the second batch
            fixed = {**values, "t2.licensing.decisions": values["t2.licensing.decisions"] + 100}
            fill(template, second / f"{name}-更正.xlsx", fixed, narrative, SAVED_AT + dt.timedelta(days=5))
        elif code == "WD104":  # 东环街道: saved in the old .xls format
            (first / f"{name}.xls").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 1024)
            continue
        fill(template, target, values, narrative, SAVED_AT)
        if code == "WD015":  # 商务局: inserted a row into table three
            wb = openpyxl.load_workbook(target)
            wb[layout.table_sheet("t3").name].insert_rows(8)
            wb.save(target)
        if code == "WD019":  # 应急管理局: filled last year's workbook
            old = out / "旧模板" / template.name
            write_workbook(WorkbookRequest(old, year - 1, agency))
            fill(old, target, values, narrative, SAVED_AT)
    return first, second


# --- the district office's side: the cycle -------------------------------------------------------


@dataclass
class DemoStep:
    """One step of the demo, done: what it was (Chinese) and what it gave."""

    title: str
    kind: str = ""  # "collect" (result: CollectReport), "status" (StatusReport), or ""
    result: object = None
    paths: list[Path] = field(default_factory=list)


def prepare_folder(out: Path) -> None:
    """Empty ``out`` for a new run, but only when it is missing, empty or the demo's own."""
    if out.exists():
        if not out.is_dir():
            raise DemoError(msg.DEMO_NOT_A_FOLDER.format(path=out))
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise DemoError(msg.DEMO_FOLDER_NOT_EMPTY.format(path=out))
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("govxl demo\n", encoding="utf-8")


def run_demo(out: str | Path, *, on_step: Callable[[DemoStep], None] | None = None) -> list[DemoStep]:
    """Run the sample cycle into the folder ``out`` (created; emptied when it holds an earlier
    demo; refused when it holds anything else). ``on_step`` is called after each step."""
    from govxl import api

    out = Path(out)
    prepare_folder(out)
    steps: list[DemoStep] = []

    def done(step: DemoStep) -> None:
        steps.append(step)
        if on_step:
            on_step(step)

    year = YEAR
    with api.open_store(out / "govxl.db") as store:
        generated = api.generate(store, year, out / "workbooks", roster=samples_dir() / "roster.csv")
        blank = api.generate(None, year, out, blank=True)
        done(DemoStep(msg.DEMO_GENERATED.format(n=len(generated.paths), path=out / "workbooks"),
                      paths=generated.paths + blank.paths))

        batches = make_submissions(out / "workbooks", out / "received", year)
        done(DemoStep(msg.DEMO_SUBMITTED.format(
            first=len(list(batches[0].iterdir())), second=len(list(batches[1].iterdir())),
            path=out / "received"), paths=list(batches)))

        published = sorted((samples_dir() / "published").glob("*.txt"))
        for item in api.import_reports(store, published).files:
            result = item.result
            done(DemoStep(msg.DEMO_IMPORTED.format(name=result.agency_name or Path(item.file).stem,
                                                   year=result.year)))

        for batch in batches:
            report = api.collect(store, year, [batch], report=out / "report" / batch.name)
            done(DemoStep(msg.DEMO_COLLECTED.format(batch=batch.name, path=out / "report" / batch.name),
                          kind="collect", result=report, paths=report.report_files))

        done(DemoStep(msg.DEMO_STATUS, kind="status", result=api.status(store, year)))

        merged = api.merge(store, year, out=out / f"{year}年卫东区汇总表.xlsx", code=DISTRICT_CODE,
                           name=DISTRICT_NAME)
        done(DemoStep(msg.MERGED.format(n=len(merged.contributions), path=merged.summary_path),
                      paths=[merged.summary_path]))
        data = api.export(store, year, out / f"{year}年各单位数据.csv", format="csv")
        done(DemoStep(msg.EXPORTED.format(n=data.agencies, path=data.path), paths=[data.path]))

        folder = out / "reports"
        written = []
        for fmt in api.REPORT_FORMATS:
            written += api.compose(store, year, folder / f"{year}年{DISTRICT_NAME}政府信息公开工作年度报告.{fmt}",
                                   format=fmt, district=True, name=DISTRICT_NAME).paths
            written += api.compose(store, year, folder / "各单位", format=fmt, all_agencies=True).paths
        done(DemoStep(msg.DEMO_COMPOSED.format(n=len(written), path=folder), paths=written))
    return steps
