"""The command line in Chinese: typer's help screens without English scaffolding (用法, [选项],
整数/文字/路径, texts folded at 80 columns rather than cut) and its usage errors in words a clerk
knows. Used by :func:`govxl.cli.run` only; loads typer's help renderer only for a help screen."""

from __future__ import annotations

import re

from govxl import messages as msg

USAGE_ERROR = 2  # the exit code of a command line that cannot be understood


def localise_help() -> None:
    """Chinese titles for the help screens that typer renders."""
    from typer import rich_utils

    for name, text in {
        "ARGUMENTS_PANEL_TITLE": "参数", "OPTIONS_PANEL_TITLE": "选项", "COMMANDS_PANEL_TITLE": "命令",
        "ERRORS_PANEL_TITLE": "错误", "ABORTED_TEXT": "已中止。", "REQUIRED_LONG_STRING": "[必填]",
        "DEFAULT_STRING": "[默认：{}]", "RICH_HELP": "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。",
    }.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, text)
    _fold_help_texts(rich_utils)


def kinds(e: BaseException) -> set[str]:
    """The names of an exception's classes. Typer vendors its command-line parser privately, so
    its usage errors are recognised by their class names, never through a private import."""
    return {c.__name__ for c in type(e).__mro__}


def is_usage_error(e: BaseException) -> bool:
    return "UsageError" in kinds(e) and getattr(e, "exit_code", None) == USAGE_ERROR


def usage_message(e) -> str:
    hint = ""
    param = getattr(e, "param", None)
    names = kinds(e)
    if param is not None:
        hint = getattr(param, "metavar", None) or "/".join(getattr(param, "opts", []) or [param.name or ""])
    if "MissingParameter" in names:
        return msg.USAGE_MISSING.format(option=hint or e.param_hint or "")
    if "NoSuchOption" in names:
        return msg.USAGE_NO_OPTION.format(option=e.option_name)
    if "BadParameter" in names:
        return msg.USAGE_BAD_VALUE.format(option=hint or e.param_hint or "")
    if e.message.startswith("No such command"):
        return msg.USAGE_NO_COMMAND.format(command=e.message.split("'")[1] if "'" in e.message else e.message)
    return msg.USAGE_OTHER.format(detail=e.message)


# What a help screen shows for a value of each kind, instead of typer's <int>, <str>, <path>; a
# switch shows nothing.
_VALUE_NAMES = {"<int>": "整数", "<float>": "数字", "<str>": "文字", "<path>": "路径", "<bool>": ""}


def _chinese_value(param) -> None:
    shown = param.display_type_rich

    def display_type_rich(ctx):
        value = shown(ctx)
        if not value or not value.startswith("<"):
            return value
        return _VALUE_NAMES.get(value, "路径" if "path" in value else "文字")

    param.display_type_rich = display_type_rich


def chinese_help_screen(cmd) -> None:
    """Help screens without English scaffolding: 用法 instead of Usage, [选项] instead of
    [OPTIONS], a value's kind in Chinese (nothing for a switch), and a command's first paragraph
    in the list of commands."""
    for param in getattr(cmd, "params", []):
        _chinese_value(param)
    if cmd.help:  # a docstring's line break inside Chinese prose is no break of the text
        cmd.help = _PROSE_BREAK.sub("", cmd.help)
    if cmd.help and not cmd.short_help:
        cmd.short_help = cmd.help.split("\n\n")[0].strip()

    def get_usage(ctx):
        pieces = " ".join(cmd.collect_usage_pieces(ctx))
        pieces = pieces.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]...")
        return f"用法：{ctx.command_path} {pieces}"

    cmd.get_usage = get_usage


def _fold_help_texts(rich_utils) -> None:
    """Help texts wrap at 80 columns instead of ending in …: Chinese has no spaces to break at,
    so a line of it is folded."""
    from rich.columns import Columns
    from rich.console import Group
    from rich.text import Text

    def folded(renderable):
        if isinstance(renderable, Text):
            return _Folded(renderable)
        if isinstance(renderable, Columns):
            renderable.renderables = [folded(item) for item in renderable.renderables]
        elif isinstance(renderable, Group):  # a command's description: its paragraphs
            return Group(*(folded(item) for item in renderable.renderables), fit=renderable.fit)
        return renderable

    for name in ("_make_command_help", "_get_parameter_help", "_get_help_text"):
        original = getattr(rich_utils, name, None)
        if original is not None and not getattr(original, "govxl_folded", False):
            def wrapper(*args, _original=original, **kwargs):
                return folded(_original(*args, **kwargs))

            wrapper.govxl_folded = True
            setattr(rich_utils, name, wrapper)


_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’"
_PROSE_BREAK = re.compile(rf"(?<=[{_CJK}])\n[ \t]*(?=[{_CJK}])")

# Punctuation that never begins a line in Chinese typesetting (避头): it hangs at the end of the line
# before instead.
_CLOSING = set("。，、；：？！）》」』”’〉】〕…")


class _Folded:
    """A help text folded at its column's width (Chinese has no spaces to break at), never
    beginning a line with closing punctuation: where one would, the text is folded two cells
    narrower than the column and the character hangs at the end of the line before."""

    def __init__(self, text):
        self.text = text

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        return Measurement.get(console, options, self.text)

    def __rich_console__(self, console, options):
        from rich.segment import Segment

        width = options.max_width
        folded = self.text.wrap(console, width, overflow="fold")
        if any(line.plain[:1] in _CLOSING for line in list(folded)[1:]):
            folded = self.text.wrap(console, max(width - 2, 2), overflow="fold")
        lines = []
        for line in folded:
            hung = False
            while lines and line.plain[:1] in _CLOSING:
                lines[-1].append_text(line[:1])
                line, hung = line[1:], True
            if line.plain or not hung:
                lines.append(line)
        for line in lines:
            yield from line.render(console)
            yield Segment.line()


def chinese_help_option(cmd) -> None:
    original = cmd.get_help_option

    def get_help_option(ctx):
        option = original(ctx)
        if option is not None:
            option.help = "显示此帮助并退出。"
            _chinese_value(option)
        return option

    cmd.get_help_option = get_help_option
