"""The ``govxl`` command line: parses options, calls one library function, shows progress and
prints results. No logic lives here."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import typer
from rich.console import Console

from govxl import cli_chinese as chinese
from govxl import messages as msg
from govxl.errors import GovxlError, InvalidArgument
from govxl.form import DEFAULT_FORM
from govxl.version import __version__
from govxl.workbook import DEFAULT_PASSWORD

# Start-up time matters (``govxl --help``, ``status``, ``--version`` should answer at once): the
# library (govxl.api) and rich's progress bars and tables are imported by the commands that use
# them, not here; see bench/bench_startup.py.

app = typer.Typer(
    help="govxl：政府信息公开工作年度报告的填报、收集、校验、汇总与成文工具。",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = Console(stderr=True)
out = Console()

USAGE_ERROR = chinese.USAGE_ERROR
DATA_ERROR = 1


def _fail(message: str, code: int = USAGE_ERROR) -> None:
    console.print(f"[red]错误：[/red]{message}", highlight=False)
    raise typer.Exit(code)


def _call(function, *args, **kwargs):
    """Call the API; its errors become a Chinese message and the exit code (2 for a wrong call,
    1 for everything else)."""
    from govxl.roster import RosterError

    try:
        return function(*args, **kwargs)
    except RosterError as e:  # every problem of the file, line by line
        console.print(msg.ROSTER_ERRORS.format(n=len(e.problems)), style="red", highlight=False)
        for problem in e.problems:
            console.print(f"  · {problem}", highlight=False)
        raise typer.Exit(DATA_ERROR) from None
    except InvalidArgument as e:
        _fail(str(e), USAGE_ERROR)
    except GovxlError as e:
        _fail(str(e), DATA_ERROR)


def _db_option():
    return typer.Option(None, "--db", help="数据库文件，默认为当前文件夹的 govxl.db（或环境变量 GOVXL_DB）。")


def _form_option():
    return typer.Option(DEFAULT_FORM, "--form", help="表样规格（templates/forms 中的文件名）。")


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
    password: str = typer.Option(DEFAULT_PASSWORD, "--password", help="工作表保护密码。"),
    deadline: str | None = typer.Option(None, "--deadline", help="报送截止日期，如 2026-01-15；默认为次年1月31日。"),
    db: Path | None = _db_option(),
    form: str = _form_option(),
) -> None:
    """按单位名单为每个单位生成一份填报表（锁定的 Excel 工作簿）。

    名单会记录到数据库中，供收集时识别单位；数据库中已有上一年度数据的单位，
    “上年结转”一行会按上年的“结转下年度继续办理”预先填写。

    示例：govxl generate --year 2025 --roster samples/roster.csv --out out/workbooks
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from govxl import api

    when = _date(deadline)
    if blank or roster is None:
        result = _call(api.generate, None, year, out_dir, roster=roster, blank=blank, password=password,
                       deadline=when, form=form)
        out.print(msg.GENERATED_BLANK.format(path=result.paths[0]), highlight=False)
        return
    with _call(api.open_store, db) as store, Progress(
            TextColumn("生成填报表"), BarColumn(), MofNCompleteColumn(), console=console, transient=True) as bar:
        task = bar.add_task("", total=None)
        result = _call(api.generate, store, year, out_dir, roster=roster, password=password, deadline=when,
                       form=form, progress=lambda _path: bar.advance(task))
    out.print(msg.GENERATED.format(n=len(result.paths), out=out_dir), highlight=False)
    if result.prefilled:
        out.print(msg.PREFILLED.format(n=result.prefilled), highlight=False)


@app.command()
def collect(
    paths: list[Path] = typer.Argument(..., metavar="文件或文件夹", help="收回的文件或文件夹（会查找子文件夹）。",
                                       readable=False),  # an unreadable file is a finding of its own, not a usage error
    year: int = typer.Option(..., "--year", help="收集的报告年度。"),
    db: Path | None = _db_option(),
    roster: Path | None = typer.Option(None, "--roster", help="单位名单 CSV 文件；给出时先更新数据库中的名单。"),
    report: Path | None = typer.Option(None, "--report", help="把问题清单和各单位的退回修改表写到此文件夹。"),
    as_json: bool = typer.Option(False, "--json", help="在标准输出打印 JSON 格式的结果。"),
    blank_as_zero: bool = typer.Option(False, "--blank-as-zero", help="未填写的数字单元格按 0 处理（每处给出提醒）。"),
    password: str = typer.Option(DEFAULT_PASSWORD, "--password", help="退回修改表的工作表保护密码。"),
    form: str = _form_option(),
) -> None:
    """读取、识别、校验并保存各单位报回的填报表，告诉每个单位哪里需要修改。

    每个文件都按内容识别（不看文件名），原文件全部保存在数据库中。
    全部通过时退出码为 0，有未通过的文件时为 1，用法错误时为 2。

    示例：govxl collect 收回文件夹/ --year 2025 --report 反馈
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from govxl import api

    with _call(api.open_store, db) as store, Progress(
            TextColumn("收集文件"), BarColumn(), MofNCompleteColumn(), console=console, transient=True) as bar:
        task = bar.add_task("", total=None)
        result = _call(api.collect, store, year, paths, roster=roster, report=report, blank_as_zero=blank_as_zero,
                       password=password, form=form,
                       progress=lambda done, total: bar.update(task, completed=done, total=total))
    if as_json:
        _print_json(result.as_dict())
    else:
        _print_collect(result)
        if result.report_files:
            out.print(msg.COLLECT_REPORT_WRITTEN.format(path=report), highlight=False)
    if result.error:  # stopped part-way (a full disk): what is above is stored
        console.print(f"[red]错误：[/red]{result.error}", highlight=False)
        console.print(msg.COLLECT_UNFINISHED.format(n=len(result.unfinished)), highlight=False)
    if result.report_error:
        _fail(result.report_error, DATA_ERROR)
    raise typer.Exit(0 if result.valid else DATA_ERROR)


@app.command()
def check(
    paths: list[Path] = typer.Argument(..., metavar="文件或文件夹", help="要校验的文件或文件夹（会查找子文件夹）。",
                                       readable=False),
    year: int = typer.Option(..., "--year", help="报告年度。"),
    db: Path | None = _db_option(),
    agency: str | None = typer.Option(None, "--agency", help="只接受这个单位（单位代码）的填报表。"),
    feedback: Path | None = typer.Option(None, "--feedback", help="把有问题的文件的退回修改表写到此文件夹。"),
    as_json: bool = typer.Option(False, "--json", help="在标准输出打印 JSON 格式的结果。"),
    blank_as_zero: bool = typer.Option(False, "--blank-as-zero", help="未填写的数字单元格按 0 处理（每处给出提醒）。"),
    password: str = typer.Option(DEFAULT_PASSWORD, "--password", help="退回修改表的工作表保护密码。"),
    form: str = _form_option(),
) -> None:
    """只校验、不保存：按收集时的同样规则检查文件，显示每个文件的结果，数据库不作任何改动。

    用于报送前自查；确认无误后用 govxl collect 收集同样的文件。
    全部通过时退出码为 0，有未通过的文件时为 1，用法错误时为 2。

    示例：govxl check 财政局.xlsx --year 2025 --feedback 反馈
    """
    from govxl import api

    with _call(api.open_store, db, readonly=True) as store:
        code = store.agency_code(agency) if agency else None
        result = _call(api.check, store, year, paths, feedback=feedback, blank_as_zero=blank_as_zero,
                       password=password, form=form, agency=code)
    if as_json:
        _print_json(result.as_dict())
    else:
        _print_collect(result, heading=msg.CHECK_TITLE.format(year=result.year), done=msg.CHECK_DONE)
        out.print(msg.CHECK_NOT_KEPT, highlight=False)
        if result.report_files:
            out.print(msg.CHECK_FEEDBACK_WRITTEN.format(path=feedback), highlight=False)
    raise typer.Exit(0 if result.valid else DATA_ERROR)


def _fit(table, flexible: list[int], least: int = 8) -> None:
    """Narrow the ``flexible`` columns (names, reasons) of a table of fixed column widths, the
    widest first and none below ``least``, until the table fits the console: the other columns
    (codes, statuses, dates, counts) stay whole."""
    from rich.measure import Measurement

    while Measurement.get(out, out.options, table).maximum >= out.width:  # measured: a full line makes rich shrink every column
        narrowable = [table.columns[i] for i in flexible if table.columns[i].width > least]
        if not narrowable:
            return
        max(narrowable, key=lambda c: c.width).width -= 1


def _print_collect(result, heading: str | None = None, done: str = msg.COLLECT_DONE) -> None:
    from rich import box
    from rich.cells import cell_len
    from rich.table import Table

    from govxl.findings import STATUS_LABELS

    styles = {"rejected": "red", "accepted_with_warnings": "yellow", "accepted": "green"}
    rows = []
    for f in result.files:
        d = f.as_dict()
        rows.append((f.agency or "—", f.agency_name or "—", Path(f.file).name, str(f.version or "—"),
                     STATUS_LABELS[f.status], str(d["errors"]), str(d["warnings"]), str(d["unexplained"]),
                     styles.get(f.status, "dim")))
    # At 80 columns: codes, counts and statuses whole; the agency's name and the file's name share
    # what is left and wrap when they must, never cut.
    table = Table(title=heading or f"{result.year}年度收集结果", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    titles = ("单位代码", "单位名称", "文件", "版本", "状态", "错误", "警告", "未说明")
    widths = [max([cell_len(r[i]) for r in rows] + [4, cell_len(titles[i]) if i > 2 else 0])
              for i in range(len(titles))]
    left = max(16, out.width - sum(widths[:1] + widths[3:]) - 2 * len(titles) - 1)
    widths[1] = min(widths[1], max(8, left // 2))
    widths[2] = min(widths[2], max(8, left - widths[1]))
    for title, width in zip(titles, widths):
        table.add_column(title, overflow="fold", width=width)
    for r in rows:
        table.add_row(*r[:4], f"[{r[8]}]{r[4]}[/]", *r[5:8])
    _fit(table, [1, 2])
    out.print(table)
    counts = result.as_dict()["counts"]
    out.print(done.format(n=len(result.files), accepted=counts.get("accepted", 0),
                          warned=counts.get("accepted_with_warnings", 0), rejected=counts.get("rejected", 0),
                          duplicate=counts.get("duplicate", 0), superseded=counts.get("superseded", 0)),
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
    from govxl import api

    with _call(api.open_store, db, readonly=True) as store:
        report = _call(api.status, store, year)
    if as_json:
        _print_json(report.as_dict())
        return
    _print_status(report)


def _print_status(report) -> None:
    from rich import box
    from rich.cells import cell_len
    from rich.table import Table

    from govxl.findings import STATUS_LABELS

    styles = {"rejected": "red", "accepted_with_warnings": "yellow", "accepted": "green", "not_received": "dim"}
    rows = []
    for a in report.agencies:
        warnings = f"{a.warnings}（{a.unexplained}）" if a.warnings else "—"
        used = str(a.accepted_version or "—")
        if a.version and a.version != a.accepted_version:  # a newer version is not the one used
            used += f"（最新{a.version}）"
        rows.append((a.code, a.name, a.group, STATUS_LABELS[a.status], warnings, (a.received_at or "—")[:10],
                     used, msg.VERSION_REASONS.get(a.accepted_reason or "", "—"), styles[a.status]))
    # At 80 columns: codes, statuses, dates and versions as wide as their values (a title may
    # wrap), never cut; the name and the reason share what is left and wrap inside their column.
    # The newest version shows only where it is not the one used; the time received is in --json.
    table = Table(title=f"{report.year}年度报送情况", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False,
                  padding=0)  # SIMPLE_HEAD already puts a space between columns
    titles = ("单位代码", "单位名称", "类别", "状态", "警告（未说明）", "收到日期", "采用版本", "采用原因")
    widths = [max([cell_len(r[i]) for r in rows] + [4]) for i in range(len(titles))]
    for title, width in zip(titles, widths):
        table.add_column(title, overflow="fold", width=width)
    for r in rows:
        table.add_row(*r[:3], f"[{r[8]}]{r[3]}[/]", *r[4:8])
    _fit(table, [1, 7])
    out.print(table)
    summary = Table(title="报送率")
    for title in ("类别", "单位数", "已通过", "有警告", "未通过", "未报送", "报送率"):
        summary.add_column(title, overflow="fold")
    for g in [*report.groups, report.overall]:
        summary.add_row(g.group or "未分类", str(g.total), str(g.counts["accepted"]),
                        str(g.counts["accepted_with_warnings"]), str(g.counts["rejected"]),
                        str(g.counts["not_received"]), f"{g.rate:.0%}")
    out.print(summary)


@app.command()
def pin(
    year: int = typer.Option(..., "--year", help="报告年度。"),
    agency: str = typer.Option(..., "--agency", help="单位代码。"),
    version: int | None = typer.Option(None, "--version", help="要采用的版本号（见 govxl status 的“最新版本”“采用版本”）。"),
    unpin: bool = typer.Option(False, "--unpin", help="取消指定，重新按规则采用最近保存的通过版本。"),
    db: Path | None = _db_option(),
) -> None:
    """指定某单位某年度采用哪个版本（汇总和报告都用这个版本），或取消指定。

    默认采用最近保存的通过校验的版本；指定后，以后收到的文件也不会取代它，直到取消指定。

    示例：govxl pin --year 2025 --agency WD004 --version 2
    """
    from govxl import api
    from govxl.store import PinError

    if (version is None) == (not unpin):
        _fail(msg.PIN_NEEDS_VERSION)
    year = _call(api.check_year, year)
    with _call(api.open_store, db, must_exist=True) as store:
        code = store.agency_code(agency)
        try:
            if unpin:
                changed = api.unpin(store, year, code)
                current = store.in_use(year).get(code)
                text = msg.UNPINNED if changed else msg.NOT_PINNED
                out.print(text.format(agency=code, year=year, version=current.version if current else "—"),
                          highlight=False)
            else:
                chosen = api.pin(store, year, code, version)
                out.print(msg.PINNED.format(agency=code, year=year, version=version,
                                            file=chosen.original_name or chosen.source), highlight=False)
        except PinError as e:
            _fail(str(e), DATA_ERROR)


@app.command()
def backup(
    out_file: Path = typer.Option(..., "--out", help="备份副本的文件名，例如 备份/govxl-2026-01-20.db。"),
    db: Path | None = _db_option(),
) -> None:
    """备份数据库：得到一个完整、一致的副本，正在收集时也可以备份。

    数据库损坏时，把最近的副本复制回来即可继续使用。建议每次收集后备份一次，副本存放在另一块磁盘上。

    示例：govxl backup --db 2025年报.db --out 备份/2025年报-0120.db
    """
    from govxl.store import Store, backup as backup_store, default_db_path

    source = db or default_db_path()
    copy = _call(backup_store, source, out_file)
    with _call(Store, copy, readonly=True) as check:
        counts = check.counts()
    out.print(msg.BACKED_UP.format(db=source, out=copy, files=counts["files"], submissions=counts["submissions"]),
              highlight=False)


@app.command()
def merge(
    year: int = typer.Option(..., "--year", help="报告年度。"),
    out_file: Path = typer.Option(..., "--out", help="汇总表文件（.xlsx）。"),
    db: Path | None = _db_option(),
    as_json: bool = typer.Option(False, "--json", help="在标准输出打印 JSON 格式的汇总数。"),
    code: str = typer.Option("district", "--code", help="汇总表的单位代码（上级汇总时识别本级用）。"),
    name: str = typer.Option("全区汇总", "--name", help="汇总表的单位名称，例如 卫东区人民政府。"),
    password: str = typer.Option(DEFAULT_PASSWORD, "--password", help="工作表保护密码。"),
    form: str = _form_option(),
) -> None:
    """把各单位最新通过校验的数据汇总成全区汇总表。

    汇总表本身也是同一表样的填报表（可报送上级再次汇总），另附各单位明细、同比、
    报送情况、警告与缺报、数据来源和图表。

    示例：govxl merge --year 2025 --out 汇总/2025年全区汇总.xlsx --name 卫东区人民政府 --code WD
    """
    from govxl import api

    with _call(api.open_store, db, readonly=True) as store:
        result = _call(api.merge, store, year, out=out_file, code=code, name=name, password=password, form=form)
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
    keys: bool = typer.Option(False, "--keys", help="csv、xlsx 使用程序用的英文键名（t2、rules 等），供程序处理。"),
    db: Path | None = _db_option(),
    form: str = _form_option(),
) -> None:
    """导出各单位的全部数据（每个单位每个单元格一行），供分析使用。

    CSV 为带 BOM 的 UTF-8 编码，可直接用 Excel 打开；csv、xlsx 的列名和内容为中文
    （表二、规章、报送状态），json 使用英文键名。

    示例：govxl export --year 2025 --format csv --out 2025年数据.csv
    """
    from govxl import api

    with _call(api.open_store, db, readonly=True) as store:
        result = _call(api.export, store, year, out_file, format=fmt, keys=keys, form=form)
    out.print(msg.EXPORTED.format(n=result.agencies, path=out_file), highlight=False)


@app.command()
def compose(
    year: int = typer.Option(..., "--year", help="报告年度。"),
    fmt: str = typer.Option(..., "--format", help="格式：md（Markdown）、html（网页）或 docx（Word）。"),
    out_path: Path = typer.Option(..., "--out", help="输出文件；用 --all 时为文件夹。"),
    agency: str | None = typer.Option(None, "--agency", help="生成该单位（单位代码）的年度报告。"),
    district: bool = typer.Option(False, "--district", help="生成全区汇总的年度报告。"),
    all_agencies: bool = typer.Option(False, "--all", help="为每个已通过审核的单位各生成一份报告，保存在 --out 文件夹。"),
    name: str = typer.Option("本区", "--name", help="全区报告的机关名称，例如 卫东区人民政府。"),
    annex: list[str] | None = typer.Option(
        None, "--annex", metavar="附件",
        help="全区报告另附的内部材料（可重复）：texts 各单位文字材料汇编（默认生成），"
             "status 各单位报送情况；none 不生成附件。附件与报告放在同一文件夹，不对外公开。"),
    db: Path | None = _db_option(),
    form: str = _form_option(),
) -> None:
    """按国家格式生成年度报告（Markdown、网页或 Word）。

    单位报告的文字取自该单位填报表的“文字部分”，表格数字取自其通过审核的最新版本；
    全区报告的“总体情况”根据汇总数据起草，供办公室修改，不列出各单位的报送状态；
    各单位的文字材料汇编和报送情况作为内部附件另存（--annex）。

    示例：govxl compose --year 2025 --district --name 卫东区人民政府 --format docx --out 2025年报告.docx
    """
    from govxl import api

    with _call(api.open_store, db, readonly=True) as store:
        annexes = api.DEFAULT_ANNEXES if not annex else [a for a in annex if a != "none"]
        result = _call(api.compose, store, year, out_path, format=fmt, agency=agency, district=district,
                       all_agencies=all_agencies, name=name, annexes=annexes, form=form)
    out.print(msg.COMPOSED.format(n=len(result.paths), path=out_path), highlight=False)
    if result.findings:  # govxl's own draft disagrees with the district's tables
        console.print(msg.COMPOSE_DRAFT_DISAGREES.format(n=len(result.findings)), style="yellow", highlight=False)
        for f in result.findings:
            console.print(f"  · {f.text}", highlight=False)


@app.command("import")
def import_reports(
    files: list[Path] = typer.Argument(..., metavar="报告文件或文件夹",
                                       help="已发布的年度报告：文本（.txt/.md）、网页（.html）、Word（.docx）或 PDF；"
                                            "给出文件夹时查找其中（含子文件夹）所有报告。"),
    year: int | None = typer.Option(None, "--year", help="报告年度；不给出时从标题或统计期限识别。"),
    agency: str | None = typer.Option(None, "--agency", help="单位代码；不给出时按标题中的机关名称在名单中查找。"),
    db: Path | None = _db_option(),
    as_json: bool = typer.Option(False, "--json", help="在标准输出打印 JSON 格式的结果（列出每个文件）。"),
) -> None:
    """读取已发布的年度报告（文本、网页、Word 或 PDF），识别其中的表格数字和各部分文字。

    读取结果按同样的规则校验；能对应到名单中单位的，保存为该单位该年度的数据（来源：导入），
    供下一年度核对“上年结转”。读不准的单元格列为“未读取”，不会猜测。扫描件（没有文字层的 PDF）会指出，不做文字识别。

    示例：govxl import 金融工作局2023年报告.pdf --agency WD025
          govxl import 往年报告/ --json
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from govxl import api
    from govxl.store import default_db_path

    has_store = db is not None or default_db_path().exists()
    store = _call(api.open_store, db) if has_store else None
    try:
        with Progress(TextColumn("导入报告"), BarColumn(), MofNCompleteColumn(), console=console,
                      transient=True, disable=as_json) as bar:
            task = bar.add_task("", total=None)
            batch = _call(api.import_reports, store, files, year=year, agency=agency,
                          progress=lambda done, total: bar.update(task, completed=done, total=total))
    finally:
        if store:
            store.close()
    if as_json:
        _print_json(batch.as_dict())
    else:
        _print_imports(batch)
    raise typer.Exit(DATA_ERROR if batch.failed else 0)


def _print_imports(batch) -> None:
    from rich.table import Table

    for item in batch.files:
        if item.result is None:
            console.print(item.error, style="red", highlight=False)
            continue
        r = item.result
        out.print(msg.IMPORTED.format(file=item.file, agency=r.agency_name or r.agency or "—", year=r.year or "—",
                                      edition=r.edition, unread=len(r.unread), findings=len(r.findings)),
                  highlight=False)
        for f in r.findings:
            out.print(f"  · {f.text}", highlight=False)
        out.print(msg.IMPORT_SAVED if item.saved else msg.IMPORT_NOT_SAVED, highlight=False)
    if len(batch.files) > 1:
        table = Table(title="导入结果")
        for title in ("文件", "机关", "年度", "表格版本", "读出数字", "未读取", "问题", "保存"):
            table.add_column(title)
        for item in batch.files:
            r = item.result
            if r is None:
                table.add_row(Path(item.file).name, "[red]无法读取[/]", "—", "—", "—", "—", "—", "否")
                continue
            table.add_row(Path(item.file).name, r.agency_name or r.agency or "—", str(r.year or "—"), r.edition,
                          str(r.numbers_read), str(len(r.unread)), str(len(r.findings)), "是" if item.saved else "否")
        out.print(table)
        read = sum(1 for f in batch.files if not f.failed)
        out.print(msg.IMPORT_BATCH_DONE.format(files=len(batch.files), read=read,
                                               saved=sum(f.saved for f in batch.files),
                                               failed=len(batch.files) - read), highlight=False)


@app.command()
def serve(
    db: Path | None = _db_option(),
    year: int | None = typer.Option(None, "--year", help="打开时显示的报告年度；默认：11月起为当年，之前为上一年。"),
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址。默认只允许本机访问；其他地址（如 0.0.0.0）必须设置 --password。"),
    port: int = typer.Option(8765, "--port", help="端口。"),
    no_browser: bool = typer.Option(False, "--no-browser", help="不自动打开浏览器。"),
    password: str | None = typer.Option(None, "--password", envvar="GOVXL_WEB_PASSWORD",
                                        help="登录密码（也可用环境变量 GOVXL_WEB_PASSWORD 设置）。"),
    share: bool = typer.Option(False, "--share", help="开放各单位的自查网址（单位内网使用）。"),
    share_url: str | None = typer.Option(None, "--share-url",
                                         help="各单位访问工作台的地址，如 http://10.1.2.3:8765；默认按本机地址推算。"),
) -> None:
    """启动工作台：在浏览器中完成名单、下发、收集、汇总、报告的全部工作。

    默认只有本机可以访问，数据库与命令行相同（当前文件夹的 govxl.db 或 --db）。
    按 Ctrl+C 或关闭窗口即停止。

    示例：govxl serve          （在单位内网开放各单位自查：govxl serve --share --host 0.0.0.0 --password 密码）
    """
    from govxl import api
    from govxl.store import default_db_path
    from govxl.web.app import default_year
    from govxl.web.serve import configure, run

    target = db or default_db_path()
    config = _call(configure, target, _call(api.check_year, year) if year is not None else default_year(),
                   host=host, port=port, password=password, share=share, share_url=share_url)
    _call(api.open_store, target).close()
    try:
        _call(run, config, open_browser=not no_browser, say=lambda line: out.print(line, highlight=False))
    except KeyboardInterrupt:
        pass


@app.command()
def demo(
    out_dir: Path = typer.Option(Path("govxl示例"), "--out",
                                 help="示例结果的文件夹（须为空文件夹或以前的示例文件夹）。"),
) -> None:
    """用虚构的卫东区（35个单位）把一年的工作完整演示一遍。

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
        _fail(msg.CANNOT_WRITE.format(path=e.filename or out_dir, error=msg.os_error(e)), DATA_ERROR)
    out.print(msg.DEMO_DONE.format(path=out_dir), highlight=False)


def run() -> None:
    """The console script: usage errors in Chinese (exit 2), and an internal error reported in one
    Chinese sentence rather than a traceback (set GOVXL_DEBUG=1 to see the traceback)."""
    import os

    _tolerant_streams()
    args = sys.argv[1:]
    if args == ["--version"]:  # what the callback prints, without building the commands
        out.print(f"govxl {__version__}", highlight=False)
        sys.exit(0)
    if not args or "--help" in args or "-h" in args:
        chinese.localise_help()  # loads typer's help renderer (rich, markdown): only for a help screen
    if not os.environ.get("GOVXL_DEBUG"):
        # A library's half-written file closed by the garbage collector after a failed write (a
        # full disk) would print "Exception ignored … Traceback": the failure is already told.
        sys.unraisablehook = lambda _unraisable: None
    command = typer.main.get_command(app)
    for cmd in [command, *getattr(command, "commands", {}).values()]:
        chinese.chinese_help_option(cmd)
        chinese.chinese_help_screen(cmd)
    try:
        code = command.main(prog_name="govxl", standalone_mode=False)
    except (typer.Abort, KeyboardInterrupt):
        console.print(msg.ABORTED, highlight=False)
        sys.exit(130)
    except Exception as e:
        if chinese.is_usage_error(e):
            if "NoArgsIsHelpError" in chinese.kinds(e):  # no arguments at all: the help was shown
                sys.exit(0)
            console.print(f"[red]错误：[/red]{chinese.usage_message(e)}", highlight=False)
            console.print(msg.USAGE_HINT, highlight=False)
            sys.exit(USAGE_ERROR)
        # a bug, not the user's fault: say so plainly
        if os.environ.get("GOVXL_DEBUG"):
            raise
        if isinstance(e, OSError):  # a file the command could not read or write: in words a clerk knows
            console.print(f"[red]错误：[/red]{msg.CANNOT_WRITE.format(path=e.filename or '', error=msg.os_error(e))}",
                          highlight=False)
            sys.exit(DATA_ERROR)
        console.print(msg.INTERNAL_ERROR.format(error=f"{type(e).__name__}: {e}"), style="red", highlight=False)
        sys.exit(3)
    sys.exit(code or 0)


def _tolerant_streams() -> None:
    """A console whose encoding cannot show every character (a Chinese Windows cmd.exe is GBK; a
    name may hold 𠮷): such characters are shown as ? instead of stopping the command."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
