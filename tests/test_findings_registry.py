"""The registry of findings (templates/findings.toml) is the one place every finding kind is
defined: the code emits only registered codes, docs/findings.md is the registry, and every entry
is complete."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from govxl.findings import ERROR, Finding, UnknownFinding, registry, registry_markdown

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "govxl").rglob("*.py"))


def test_the_document_is_the_registry():
    assert (ROOT / "docs" / "findings.md").read_text(encoding="utf-8") == registry_markdown(), (
        "docs/findings.md is out of date: run python -m govxl.findings > docs/findings.md")


def code_literals() -> set[tuple[str, str]]:
    """Every string literal in govxl/ that looks like a finding code of a registered family."""
    families = {code.split(".", 1)[0] for code in registry()}
    pattern = re.compile(rf"^({'|'.join(map(re.escape, families))})\.[a-z0-9_]+$")
    found = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and pattern.match(node.value):
                found.add((path.relative_to(ROOT).as_posix(), node.value))
    return found


def test_every_code_the_code_names_is_registered():
    literals = code_literals()
    assert len(literals) > 30  # the scan sees the codes at all
    unregistered = sorted((path, code) for path, code in literals if code not in registry())
    assert unregistered == []


def test_findings_are_made_only_through_the_registry():
    """Nothing constructs a Finding with a code and message of its own: Finding.of takes both
    from the registry."""
    direct = []
    for path in SOURCES:
        if path.name == "findings.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Finding":
                direct.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert direct == []


@pytest.mark.parametrize("code", list(registry()))
def test_every_entry_is_complete(code):
    kind = registry()[code]
    assert re.fullmatch(r"[a-z]+\.([a-z0-9_]+|\*)", code)
    assert re.search(r"[\u4e00-\u9fff]", kind.message) and re.search(r"[\u4e00-\u9fff]", kind.fix)
    names = [name for _, name, _, _ in string.Formatter().parse(kind.message) if name]
    assert all(re.fullmatch(r"[a-z_]+", n) for n in names), names


def test_a_finding_takes_severity_message_and_fix_from_the_registry():
    f = Finding.of("value.negative", where="某单元格", value="-3", cell="C7")
    assert (f.severity, f.message) == (ERROR, "某单元格不能为负数，现为 -3。")
    assert f.as_dict()["fix"] == registry()["value.negative"].fix and f.text.endswith(f.fix)
    with pytest.raises(UnknownFinding):
        Finding.of("value.no_such_kind")
    with pytest.raises(UnknownFinding):  # a rule finding must bring the spec's message
        Finding.of("rule.t3.balance")
    rule = Finding.of("rule.t3.balance", severity="warning", message="不平衡")
    assert (rule.severity, rule.message, rule.fix) == ("warning", "不平衡", registry()["rule.*"].fix)


def test_released_codes_stay_registered():
    """A code once released is never removed or renamed (README: the codes are stable)."""
    listed = (ROOT / "tests" / "released_finding_codes.txt").read_text(encoding="utf-8").splitlines()
    released = [line.strip() for line in listed if line.strip() and not line.startswith("#")]
    assert len(released) > 40
    assert [code for code in released if code not in registry()] == []
