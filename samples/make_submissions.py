"""Fill the sample district's workbooks as its agencies would, deterministically.

    python samples/make_submissions.py WORKBOOKS_DIR OUT_DIR [--year 2023]

Writes OUT_DIR/第一批 (the first files received) and OUT_DIR/第二批 (resubmissions). Most agencies
fill a valid report; several make the typical mistakes: an imbalance, text in a number cell, a
tampered layout, a workbook of the wrong year, a resubmission, an old .xls file. A few agencies
send nothing. 卫东区金融工作局 (WD025) fills exactly the numbers and narrative of its published
2023 report (samples/seed/weidong-finance-2023.json).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
from pathlib import Path

import openpyxl

from govxl.form.layout import layout_form
from govxl.form.spec import Form, load_form
from govxl.roster import Agency
from govxl.workbook.generate import WorkbookRequest, write_workbook

HERE = Path(__file__).resolve().parent
SEED = HERE / "seed" / "weidong-finance-2023.json"
NOT_SENDING = {"WD027", "WD108"}
SAVED_AT = dt.datetime(2024, 1, 10, 9, 0, 0)


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
    wb.properties.modified = saved_at
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def seed_submission(form: Form) -> tuple[dict, dict]:
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    values = {k: seed["values"].get(k, seed["default_value"]) for k in form.input_keys}
    return values, seed["narrative"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbooks", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--year", type=int, default=2023)
    args = parser.parse_args()
    form = load_form()
    rng = random.Random(args.year)
    first, second = args.out / "第一批", args.out / "第二批"
    for d in (first, second):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    templates = sorted(args.workbooks.glob(f"{args.year}_*.xlsx"))
    layout = layout_form(form)
    for template in templates:
        code = template.name.split("_")[1]
        name = template.stem.split("_", 2)[2]
        agency = Agency(code, name)
        values = balanced_values(form, rng, scale=rng.choice([2, 3, 5, 8, 30]))
        narrative = narrative_for(agency, args.year, values, form)
        target = first / f"{name}{args.year}年报表.xlsx"
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
            old = args.out / "旧模板" / template.name
            write_workbook(WorkbookRequest(old, args.year - 1, agency))
            fill(old, target, values, narrative, SAVED_AT)
    print(f"{len(list(first.iterdir()))} files in {first}, {len(list(second.iterdir()))} in {second}")


if __name__ == "__main__":
    main()
