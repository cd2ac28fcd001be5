"""The wheel carries templates/, and the installed package runs from any folder."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from conftest import ROOT


def test_wheel_ships_the_templates_and_runs_outside_the_source_tree(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "dist"), str(ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("govxl-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    assert "govxl/templates/forms/annual-2021.toml" in names
    assert "govxl/templates/workbook.toml" in names
    shipped = {p.relative_to(ROOT).as_posix() for d in ("templates", "samples") for p in (ROOT / d).rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert {"govxl/" + p for p in shipped} <= names  # every template and every sample file
    assert "govxl/samples/roster.csv" in names and "govxl/demo.py" in names
    assert any(n.endswith("entry_points.txt") for n in names)
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import govxl, govxl.resources as r;"
            "from govxl.form.spec import load_form; f = load_form(); print(govxl.__file__); print(r.templates_dir());"
            "print(len(f.cells)); from govxl.resources import samples_dir; print(samples_dir())")
    result = subprocess.run([sys.executable, "-c", code, str(site)], cwd=elsewhere, capture_output=True,
                            text=True, check=True)
    module, templates, cells, samples = result.stdout.split()
    assert module.startswith(str(site)) and templates.startswith(str(site)) and samples.startswith(str(site))
    assert cells == "200"
