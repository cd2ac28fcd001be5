"""The ``govxl`` command line: parses options, calls one library function, shows progress and
prints results. No logic lives here."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from govxl import __version__
from govxl import generate as gen
from govxl import messages as msg
from govxl.roster import RosterError, read_roster

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


def _fail(message: str, code: int = USAGE_ERROR) -> None:
    console.print(f"[red]错误：[/red]{message}", highlight=False)
    raise typer.Exit(code)


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        _fail(msg.BAD_YEAR.format(year=year))
    return year


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
    form: str = typer.Option("annual-2021", "--form", help="表样规格（templates/forms 中的文件名）。"),
) -> None:
    """按单位名单为每个单位生成一份填报表（锁定的 Excel 工作簿）。

    示例：govxl generate --year 2025 --roster samples/roster.csv --out out/workbooks
    """
    year = _year(year)
    when = _date(deadline)
    if blank and roster:
        _fail(msg.ROSTER_AND_BLANK)
    if blank:
        path = gen.generate_blank(year, out_dir, password=password, deadline=when, form_name=form)
        out.print(msg.GENERATED_BLANK.format(path=path), highlight=False)
        return
    if roster is None:
        _fail(msg.NEED_ROSTER_OR_BLANK)
    try:
        agencies = read_roster(roster)
        with Progress(TextColumn("生成填报表"), BarColumn(), MofNCompleteColumn(), console=console,
                      transient=True, disable=len(agencies) < 20) as progress:
            task = progress.add_task("", total=len(agencies))
            paths = gen.generate_workbooks(
                year, agencies, out_dir, password=password, deadline=when, form_name=form,
                progress=lambda _p: progress.advance(task),
            )
    except RosterError as e:
        console.print(msg.ROSTER_ERRORS.format(n=len(e.problems)), style="red", highlight=False)
        for problem in e.problems:
            console.print(f"  · {problem}", highlight=False)
        raise typer.Exit(DATA_ERROR) from None
    except OSError as e:
        _fail(msg.CANNOT_WRITE.format(path=e.filename or out_dir, error=e.strerror or e), DATA_ERROR)
    out.print(msg.GENERATED.format(n=len(paths), out=out_dir), highlight=False)


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
    _localise_help()
    command = typer.main.get_command(app)
    for cmd in [command, *getattr(command, "commands", {}).values()]:
        _chinese_help_option(cmd)
    sys.exit(command.main(prog_name="govxl", standalone_mode=True) or 0)


def _chinese_help_option(cmd) -> None:
    original = cmd.get_help_option

    def get_help_option(ctx):
        option = original(ctx)
        if option is not None:
            option.help = "显示此帮助并退出。"
        return option

    cmd.get_help_option = get_help_option
