"""The ``govxl`` command line: parses options, calls one library function, shows progress and
prints results. No logic lives here."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from govxl import messages as msg
from govxl.form.spec import load_form
from govxl.roster import RosterError, read_roster
from govxl.store import Store, default_db_path
from govxl.version import __version__
from govxl.workbook import generate as gen

app = typer.Typer(
    help="govxl：政府信息公开工作年度报告的填报、收集、校验、汇总与成文工具。",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = Console(stderr=True)
out = Console()

USAGE_ERROR = 2
DATA_ERROR = 1


def _os_error(e: OSError) -> str:
    return msg.OS_ERRORS.get(e.errno, e.strerror or str(e))


def _write_failed(e: OSError, path) -> None:
    _fail(msg.CANNOT_WRITE.format(path=e.filename or path, error=_os_error(e)), DATA_ERROR)


def _form_or_exit(name: str):
    from govxl.form.spec import SpecError

    try:
        return load_form(name)
    except SpecError as e:
        _fail(msg.BAD_FORM.format(form=name, error=e))


def _fail(message: str, code: int = USAGE_ERROR) -> None:
    console.print(f"[red]错误：[/red]{message}", highlight=False)
    raise typer.Exit(code)


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        _fail(msg.BAD_YEAR.format(year=year))
    return year


def _db_option():
    return typer.Option(None, "--db", help="数据库文件，默认为当前文件夹的 govxl.db（或环境变量 GOVXL_DB）。")


def _open_store(db: Path | None, must_exist: bool = False) -> Store:
    path = db or default_db_path()
    if must_exist and not Path(path).exists():
        _fail(msg.NO_DB.format(path=path), DATA_ERROR)
    try:
        return Store(path)
    except Exception as e:  # sqlite3 errors: not a database, locked, no permission
        _fail(msg.CANNOT_OPEN_DB.format(path=path, error=e), DATA_ERROR)


def _roster_or_exit(path: Path):
    try:
        return read_roster(path)
    except RosterError as e:  # every problem of the file, line by line
        console.print(msg.ROSTER_ERRORS.format(n=len(e.problems)), style="red", highlight=False)
        for problem in e.problems:
            console.print(f"  · {problem}", highlight=False)
        raise typer.Exit(DATA_ERROR) from None


def _print_json(data) -> None:
    import json

    text = json.dumps(data, ensure_ascii=False, indent=1)
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):  # a GBK console: escapes keep every character exact
        text = json.dumps(data, ensure_ascii=True, indent=1)
    sys.stdout.write(text + "\n")


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        _fail(msg.BAD_DEADLINE.format(value=value))


@app.callback(invoke_without_command=True)
def main(version: bool = typer.Option(False, "--version", help="显示版本号并退出。")) -> None:
    if version:
        out.print(f"govxl {__version__}")
        raise typer.Exit()


@app.command()
def generate(
    year: int = typer.Option(..., "--year", help="报告年度，例如 2025。"),
    out_dir: Path = typer.Option(..., "--out", help="保存填报表的文件夹（不存在时自动创建）。"),
    roster: Path | None = typer.Option(None, "--roster", help="单位名单 CSV 文件（列名 code,name,group）。"),
    blank: bool = typer.Option(False, "--blank", help="生成不针对具体单位的空白模板。"),
    password: str = typer.Option(gen.DEFAULT_PASSWORD, "--password", help="工作表保护密码。"),
    deadline: str | None = typer.Option(None, "--deadline", help="报送截止日期，如 2026-01-15；默认为次年 1 月 31 日。"),
    db: Path | None = _db_option(),
    form: str = typer.Option("annual-2021", "--form", help="表样规格（templates/forms 中的文件名）。"),
) -> None:
    """按单位名单为每个单位生成一份填报表（锁定的 Excel 工作簿）。

    名单会记录到数据库中，供收集时识别单位；数据库中已有上一年度数据的单位，
    “上年结转”一行会按上年的“结转下年度继续办理”预先填写。

    示例：govxl generate --year 2025 --roster samples/roster.csv --out out/workbooks
    """
    year = _year(year)
    when = _date(deadline)
    if blank and roster:
        _fail(msg.ROSTER_AND_BLANK)
    spec = _form_or_exit(form)
    if blank:
        try:
            path = gen.generate_blank(year, out_dir, password=password, deadline=when, form_name=form)
        except OSError as e:
            _write_failed(e, out_dir)
        out.print(msg.GENERATED_BLANK.format(path=path), highlight=False)
        return
    if roster is None:
        _fail(msg.NEED_ROSTER_OR_BLANK)
    agencies = _roster_or_exit(roster)
    with _open_store(db) as store:
        last_year = store.latest(year - 1)
        prefill = {code: gen.carry_over(spec, s.values) for code, s in last_year.items()}
        try:
            with Progress(TextColumn("生成填报表"), BarColumn(), MofNCompleteColumn(), console=console,
                          transient=True, disable=len(agencies) < 20) as progress:
                task = progress.add_task("", total=len(agencies))
                paths = gen.generate_workbooks(
                    year, agencies, out_dir, password=password, deadline=when, form_name=form,
                    prefill=lambda a: prefill.get(a.code, {}),
                    progress=lambda _p: progress.advance(task),
                )
        except RosterError as e:
            console.print(msg.ROSTER_ERRORS.format(n=len(e.problems)), style="red", highlight=False)
            for problem in e.problems:
                console.print(f"  · {problem}", highlight=False)
            raise typer.Exit(DATA_ERROR) from None
        except OSError as e:
            _write_failed(e, out_dir)
        store.set_roster(agencies)
    out.print(msg.GENERATED.format(n=len(paths), out=out_dir), highlight=False)
    if prefill:
        out.print(msg.PREFILLED.format(n=sum(1 for a in agencies if a.code in prefill)), highlight=False)


@app.command()
def collect(
    paths: list[Path] = typer.Argument(..., metavar="文件或文件夹", help="收回的文件或文件夹（会查找子文件夹）。"),
    year: int = typer.Option(..., "--year", help="收集的报告年度。"),
    db: Path | None = _db_option(),
    roster: Path | None = typer.Option(None, "--roster", help="单位名单 CSV 文件；给出时先更新数据库中的名单。"),
    report: Path | None = typer.Option(None, "--report", help="把问题清单和各单位的退回修改表写到此文件夹。"),
    as_json: bool = typer.Option(False, "--json", help="在标准输出打印 JSON 格式的结果。"),
    blank_as_zero: bool = typer.Option(False, "--blank-as-zero", help="未填写的数字单元格按 0 处理（每处给出提醒）。"),
    password: str = typer.Option(gen.DEFAULT_PASSWORD, "--password", help="退回修改表的工作表保护密码。"),
    form: str = typer.Option("annual-2021", "--form", help="表样规格（templates/forms 中的文件名）。"),
) -> None:
    """读取、识别、校验并保存各单位报回的填报表，告诉每个单位哪里需要修改。

    每个文件都按内容识别（不看文件名），原文件全部保存在数据库中。
    全部通过时退出码为 0，有未通过的文件时为 1，用法错误时为 2。

    示例：govxl collect 收回文件夹/ --year 2025 --report 反馈
    """
    from govxl.collection.collect import CollectError
    from govxl.collection.collect import collect as run_collect
    from govxl.collection.feedback import write_reports

    year = _year(year)
    _form_or_exit(form)
    with _open_store(db) as store:
        if roster:
            store.set_roster(_roster_or_exit(roster))
        try:
            with Progress(TextColumn("收集文件"), BarColumn(), MofNCompleteColumn(), console=console,
                          transient=True) as progress:
                task = progress.add_task("", total=None)
                result = run_collect(paths, year, store, blank_as_zero=blank_as_zero, form_name=form,
                                     progress=lambda done, total: progress.update(task, completed=done,
                                                                                  total=total))
        except CollectError as e:
            _fail(str(e))
        report_error = None
        try:
            written = write_reports(result, store, report, password=password, form_name=form) if report else []
        except OSError as e:  # the files are collected and stored; only the feedback could not be written
            written, report_error = [], msg.CANNOT_WRITE.format(path=e.filename or report, error=_os_error(e))
    if as_json:
        _print_json(result.as_dict())
    else:
        _print_collect(result)
        if written:
            out.print(msg.COLLECT_REPORT_WRITTEN.format(path=report), highlight=False)
    if report_error:
        _fail(report_error, DATA_ERROR)
    raise typer.Exit(0 if result.valid else DATA_ERROR)


def _print_collect(result) -> None:
    from rich.table import Table

    from govxl.findings import STATUS_LABELS

    table = Table(title=f"{result.year} 年度收集结果", show_lines=False)
    for title in ("单位代码", "单位名称", "文件", "版本", "状态", "错误", "警告"):
        table.add_column(title)
    styles = {"rejected": "red", "accepted_with_warnings": "yellow", "accepted": "green", "duplicate": "dim"}
    for f in result.files:
        d = f.as_dict()
        table.add_row(f.agency or "—", f.agency_name or "—", Path(f.file).name, str(f.version or "—"),
                      f"[{styles[f.status]}]{STATUS_LABELS[f.status]}[/]", str(d["errors"]), str(d["warnings"]))
    out.print(table)
    counts = result.as_dict()["counts"]
    out.print(msg.COLLECT_DONE.format(n=len(result.files), accepted=counts.get("accepted", 0),
                                      warned=counts.get("accepted_with_warnings", 0),
                                      rejected=counts.get("rejected", 0), duplicate=counts.get("duplicate", 0)),
              highlight=False)


@app.command()
def status(
    year: int = typer.Option(..., "--year", help="报告年度。"),
    db: Path | None = _db_option(),
    as_json: bool = typer.Option(False, "--json", help="在标准输出打印 JSON 格式的结果。"),
) -> None:
    """查看各单位的报送情况：未报送、未通过、已通过，以及按类别统计的报送率。

    示例：govxl status --year 2025
    """
    from govxl.collection.status import completeness

    year = _year(year)
    with _open_store(db, must_exist=True) as store:
        report = completeness(store, year)
    if as_json:
        _print_json(report.as_dict())
        return
    _print_status(report)


def _print_status(report) -> None:
    from rich.table import Table

    from govxl.findings import STATUS_LABELS

    table = Table(title=f"{report.year} 年度报送情况")
    for title in ("单位代码", "单位名称", "类别", "状态", "最新版本", "收到时间", "采用版本"):
        table.add_column(title)
    styles = {"rejected": "red", "accepted_with_warnings": "yellow", "accepted": "green", "not_received": "dim"}
    for a in report.agencies:
        table.add_row(a.code, a.name, a.group, f"[{styles[a.status]}]{STATUS_LABELS[a.status]}[/]",
                      str(a.version or "—"), (a.received_at or "—")[:16].replace("T", " "),
                      str(a.accepted_version or "—"))
    out.print(table)
    summary = Table(title="报送率")
    for title in ("类别", "单位数", "已通过", "有警告", "未通过", "未报送", "报送率"):
        summary.add_column(title)
    for g in [*report.groups, report.overall]:
        summary.add_row(g.group or "未分类", str(g.total), str(g.counts["accepted"]),
                        str(g.counts["accepted_with_warnings"]), str(g.counts["rejected"]),
                        str(g.counts["not_received"]), f"{g.rate:.0%}")
    out.print(summary)


@app.command()
def merge(
    year: int = typer.Option(..., "--year", help="报告年度。"),
    out_file: Path = typer.Option(..., "--out", help="汇总表文件（.xlsx）。"),
    db: Path | None = _db_option(),
    as_json: bool = typer.Option(False, "--json", help="在标准输出打印 JSON 格式的汇总数。"),
    code: str = typer.Option("district", "--code", help="汇总表的单位代码（上级汇总时识别本级用）。"),
    name: str = typer.Option("全区汇总", "--name", help="汇总表的单位名称，例如 卫东区人民政府。"),
    password: str = typer.Option(gen.DEFAULT_PASSWORD, "--password", help="工作表保护密码。"),
    form: str = typer.Option("annual-2021", "--form", help="表样规格（templates/forms 中的文件名）。"),
) -> None:
    """把各单位最新通过校验的数据汇总成全区汇总表。

    汇总表本身也是同一表样的填报表（可报送上级再次汇总），另附各单位明细、同比、
    报送情况、警告与缺报、数据来源和图表。

    示例：govxl merge --year 2025 --out 汇总/2025年全区汇总.xlsx --name 卫东区人民政府 --code WD
    """
    from govxl.consolidation.merge import consolidate, previous_year, write_summary

    year = _year(year)
    _form_or_exit(form)
    with _open_store(db, must_exist=True) as store:
        result = consolidate(store, year, form)
        try:
            write_summary(result, out_file, store=store, previous=previous_year(store, result, form),
                          code=code, name=name, password=password)
        except OSError as e:
            _write_failed(e, out_file)
    if as_json:
        _print_json(result.as_dict())
        return
    out.print(msg.MERGED.format(n=len(result.contributions), path=out_file), highlight=False)
    if result.missing:
        out.print(msg.MERGE_MISSING.format(names="、".join(a.name for a in result.missing)), highlight=False)
    if result.rejected:
        out.print(msg.MERGE_REJECTED.format(names="、".join(a.name for a in result.rejected)), highlight=False)


@app.command()
def export(
    year: int = typer.Option(..., "--year", help="报告年度。"),
    fmt: str = typer.Option(..., "--format", help="文件格式：csv、json 或 xlsx。"),
    out_file: Path = typer.Option(..., "--out", help="输出文件。"),
    db: Path | None = _db_option(),
    form: str = typer.Option("annual-2021", "--form", help="表样规格（templates/forms 中的文件名）。"),
) -> None:
    """导出各单位的全部数据（每个单位每个单元格一行），供分析使用。

    CSV 为带 BOM 的 UTF-8 编码，可直接用 Excel 打开。

    示例：govxl export --year 2025 --format csv --out 2025年数据.csv
    """
    from govxl.consolidation.export import FORMATS
    from govxl.consolidation.export import export as write_export
    from govxl.consolidation.merge import consolidate

    year = _year(year)
    if fmt not in FORMATS:
        _fail(msg.BAD_FORMAT.format(value=fmt, choices="、".join(FORMATS)))
    _form_or_exit(form)
    with _open_store(db, must_exist=True) as store:
        result = consolidate(store, year, form)
    try:
        write_export(result, fmt, out_file)
    except OSError as e:
        _write_failed(e, out_file)
    out.print(msg.EXPORTED.format(n=len(result.contributions), path=out_file), highlight=False)


@app.command()
def compose(
    year: int = typer.Option(..., "--year", help="报告年度。"),
    fmt: str = typer.Option(..., "--format", help="格式：md（Markdown）、html（网页）或 docx（Word）。"),
    out_path: Path = typer.Option(..., "--out", help="输出文件；用 --all 时为文件夹。"),
    agency: str | None = typer.Option(None, "--agency", help="生成该单位（单位代码）的年度报告。"),
    district: bool = typer.Option(False, "--district", help="生成全区汇总的年度报告。"),
    all_agencies: bool = typer.Option(False, "--all", help="为每个已通过审核的单位各生成一份报告，保存在 --out 文件夹。"),
    name: str = typer.Option("本区", "--name", help="全区报告的机关名称，例如 卫东区人民政府。"),
    db: Path | None = _db_option(),
    form: str = typer.Option("annual-2021", "--form", help="表样规格（templates/forms 中的文件名）。"),
) -> None:
    """按国家格式生成年度报告（Markdown、网页或 Word）。

    单位报告的文字取自该单位填报表的“文字部分”，表格数字取自其通过审核的最新版本；
    全区报告的“总体情况”根据汇总数据起草，供办公室修改。

    示例：govxl compose --year 2025 --district --name 卫东区人民政府 --format docx --out 2025年报告.docx
    """
    from govxl.reporting import reports

    year = _year(year)
    if [bool(agency), district, all_agencies].count(True) != 1:
        _fail(msg.COMPOSE_ONE_KIND)
    if fmt not in reports.FORMATS:
        _fail(msg.BAD_FORMAT.format(value=fmt, choices="、".join(reports.FORMATS)))
    _form_or_exit(form)
    with _open_store(db, must_exist=True) as store:
        try:
            if district:
                paths = [reports.district_report(store, year, fmt, out_path, name=name, form_name=form)]
            elif agency:
                paths = [reports.agency_report(store, year, agency, fmt, out_path, form_name=form)]
            else:
                paths = reports.all_agency_reports(store, year, fmt, out_path, form_name=form)
        except reports.ReportError as e:
            _fail(str(e), DATA_ERROR)
        except OSError as e:
            _write_failed(e, out_path)
    out.print(msg.COMPOSED.format(n=len(paths), path=out_path), highlight=False)


@app.command("import")
def import_reports(
    files: list[Path] = typer.Argument(..., metavar="报告文件",
                                       help="已发布的年度报告：文本（.txt/.md）、网页（.html）或 Word（.docx）。"),
    year: int | None = typer.Option(None, "--year", help="报告年度；不给出时从标题识别。"),
    agency: str | None = typer.Option(None, "--agency", help="单位代码；不给出时按标题中的机关名称在名单中查找。"),
    db: Path | None = _db_option(),
    as_json: bool = typer.Option(False, "--json", help="在标准输出打印 JSON 格式的结果。"),
) -> None:
    """读取已发布的年度报告（文本、网页或 Word），识别其中的表格数字和各部分文字。

    读取结果按同样的规则校验；能对应到名单中单位的，保存为该单位该年度的数据（来源：导入），
    供下一年度核对“上年结转”。读不准的单元格列为“未读取”，不会猜测。

    示例：govxl import 金融工作局2023年报告.txt --agency WD025
    """
    from govxl.importer import import_file, store_import

    if year is not None:
        year = _year(year)
    path = db or default_db_path()
    store = _open_store(db) if (db is not None or Path(path).exists()) else None
    roster = {a.code: a for a in store.roster()} if store else {}
    results = []
    failed = False
    for file in files:
        try:
            result = import_file(file, agency=agency, year=year, roster=roster)
            data = Path(file).read_bytes()
        except OSError as e:
            console.print(msg.CANNOT_READ.format(path=file, error=_os_error(e)), style="red", highlight=False)
            failed = True
            continue
        except Exception:  # a damaged Word file, a spreadsheet given by mistake …: this file only
            console.print(msg.IMPORT_UNREADABLE_FILE.format(path=file), style="red", highlight=False)
            failed = True
            continue
        if any(f.code == "import.not_a_report" for f in result.findings):
            failed = True
        saved = store_import(store, result, data, str(file)) if store else False
        results.append((file, result, saved))
    if store:
        store.close()
    if as_json:
        data = [r.as_dict() | {"saved": saved} for _, r, saved in results]
        _print_json(data[0] if len(data) == 1 else data)
    else:
        for file, r, saved in results:
            out.print(msg.IMPORTED.format(file=file, agency=r.agency_name or r.agency or "—", year=r.year or "—",
                                          edition=r.edition, unread=len(r.unread), findings=len(r.findings)),
                      highlight=False)
            for f in r.findings:
                out.print(f"  · {f.text}", highlight=False)
            out.print(msg.IMPORT_SAVED if saved else msg.IMPORT_NOT_SAVED, highlight=False)
    raise typer.Exit(DATA_ERROR if failed else 0)


@app.command()
def demo(
    out_dir: Path = typer.Option(Path("govxl示例"), "--out",
                                 help="示例结果的文件夹（须为空文件夹或以前的示例文件夹）。"),
) -> None:
    """用虚构的卫东区（35 个单位）把一年的工作完整演示一遍。

    生成填报表，模拟各单位填写（有几个单位故意犯常见错误），导入往年已发布的报告，
    分两批收集校验并生成退回修改表，查看报送进度，汇总、导出，最后生成全区和各单位的年度报告。

    示例：govxl demo --out 示例
    """
    from govxl.demo import DemoError, run_demo

    def show(step) -> None:
        out.print(step.title, highlight=False)
        if step.kind == "collect":
            _print_collect(step.result)
        elif step.kind == "status":
            _print_status(step.result)

    try:
        run_demo(out_dir, on_step=show)
    except DemoError as e:
        _fail(str(e))
    except OSError as e:
        _write_failed(e, out_dir)
    out.print(msg.DEMO_DONE.format(path=out_dir), highlight=False)


def _localise_help() -> None:
    """Chinese titles for the help screens that typer renders."""
    from typer import rich_utils

    for name, text in {
        "ARGUMENTS_PANEL_TITLE": "参数", "OPTIONS_PANEL_TITLE": "选项", "COMMANDS_PANEL_TITLE": "命令",
        "ERRORS_PANEL_TITLE": "错误", "ABORTED_TEXT": "已中止。", "REQUIRED_LONG_STRING": "[必填]",
        "DEFAULT_STRING": "[默认：{}]", "RICH_HELP": "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。",
    }.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, text)


def run() -> None:
    """The console script: usage errors in Chinese (exit 2), and an internal error reported in one
    Chinese sentence rather than a traceback (set GOVXL_DEBUG=1 to see the traceback)."""
    import os

    from typer._click import exceptions as click_errors

    _tolerant_streams()
    _localise_help()
    command = typer.main.get_command(app)
    for cmd in [command, *getattr(command, "commands", {}).values()]:
        _chinese_help_option(cmd)
    try:
        code = command.main(prog_name="govxl", standalone_mode=False)
    except click_errors.UsageError as e:
        if type(e).__name__ == "NoArgsIsHelpError":  # no arguments at all: the help was shown
            sys.exit(0)
        console.print(f"[red]错误：[/red]{_usage_message(e, click_errors)}", highlight=False)
        console.print(msg.USAGE_HINT, highlight=False)
        sys.exit(USAGE_ERROR)
    except (typer.Abort, KeyboardInterrupt):
        console.print(msg.ABORTED, highlight=False)
        sys.exit(130)
    except Exception as e:  # a bug, not the user's fault: say so plainly
        if os.environ.get("GOVXL_DEBUG"):
            raise
        console.print(msg.INTERNAL_ERROR.format(error=f"{type(e).__name__}: {e}"), style="red", highlight=False)
        sys.exit(3)
    sys.exit(code or 0)


def _tolerant_streams() -> None:
    """A console whose encoding cannot show every character (a Chinese Windows cmd.exe is GBK; a
    name may hold 𠮷): such characters are shown as ? instead of stopping the command."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


def _usage_message(e, errors) -> str:
    hint = ""
    param = getattr(e, "param", None)
    if param is not None:
        hint = getattr(param, "metavar", None) or "/".join(getattr(param, "opts", []) or [param.name or ""])
    if isinstance(e, errors.MissingParameter):
        return msg.USAGE_MISSING.format(option=hint or e.param_hint or "")
    if isinstance(e, errors.NoSuchOption):
        return msg.USAGE_NO_OPTION.format(option=e.option_name)
    if isinstance(e, errors.BadParameter):
        return msg.USAGE_BAD_VALUE.format(option=hint or e.param_hint or "")
    if e.message.startswith("No such command"):
        return msg.USAGE_NO_COMMAND.format(command=e.message.split("'")[1] if "'" in e.message else e.message)
    return msg.USAGE_OTHER.format(detail=e.message)


def _chinese_help_option(cmd) -> None:
    original = cmd.get_help_option

    def get_help_option(ctx):
        option = original(ctx)
        if option is not None:
            option.help = "显示此帮助并退出。"
        return option

    cmd.get_help_option = get_help_option
