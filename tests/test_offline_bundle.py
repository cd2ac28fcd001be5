"""tools/make-offline-bundle: a .zip per platform and Python version that installs without an index.

Building bundles downloads wheels from the package index once; they are kept in a wheelhouse outside
the checkout (GOVXL_TEST_WHEELHOUSE, default ~/.cache/govxl-tests/wheelhouse), so later runs need no
network. The Linux x86-64 bundle is really installed, with the network switched off where the
machine allows it (unshare -n), and runs the demo."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

TOOL = ROOT / "tools" / "make-offline-bundle"
WHEELHOUSE = Path(os.environ.get("GOVXL_TEST_WHEELHOUSE") or Path.home() / ".cache" / "govxl-tests" / "wheelhouse")
PYTHONS = ("3.11", "3.12", "3.13")
PLATFORMS = ("win_amd64", "manylinux_x86_64", "manylinux_aarch64")
WINDOWS_SCRIPTS = {"安装.bat": "安装完成", "启动工作台.bat": "正在启动 govxl 工作台", "命令行.bat": "可以输入 govxl 命令了"}
HERE = f"{sys.version_info.major}.{sys.version_info.minor}"


def isolated_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


@pytest.fixture(scope="session")
def govxl_wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist),
                    str(ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = dist.glob("govxl-*.whl")
    return wheel


def build(tmp_path: Path, wheel: Path, platform: str, python: str) -> Path:
    done = subprocess.run([sys.executable, str(TOOL), "--platform", platform, "--python", python,
                           "--out", str(tmp_path / "bundles"), "--wheelhouse", str(WHEELHOUSE),
                           "--govxl-wheel", str(wheel)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip())
    assert path.parent == tmp_path / "bundles" and path.exists()
    return path


def unpack(bundle: Path, where: Path) -> Path:
    with zipfile.ZipFile(bundle) as z:
        z.extractall(where)
        for info in z.infolist():  # zipfile drops the permission bits; restore them as unzip does
            mode = info.external_attr >> 16
            if mode & 0o111:
                (where / info.filename).chmod(mode & 0o777)
    return where / "govxl"


def target_options(platform: str, python: str) -> list[str]:
    """pip's options for the target, written here independently of the tool."""
    if platform == "win_amd64":
        tags = ["win_amd64"]
    else:
        arch = platform.split("_", 1)[1]
        tags = [f"manylinux_2_{m}_{arch}" for m in range(28, 4, -1)] + [f"manylinux2014_{arch}"]
    return ["--only-binary=:all:", "--python-version", python, *[x for t in tags for x in ("--platform", t)]]


@pytest.mark.parametrize("python", PYTHONS)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_bundle_resolves_without_an_index(tmp_path, govxl_wheel, platform, python):
    bundle = build(tmp_path, govxl_wheel, platform, python)
    with zipfile.ZipFile(bundle) as z:
        names = z.namelist()
        assert all(n.startswith("govxl/") for n in names)
        for info in z.infolist():
            if not info.filename.isascii():
                assert info.flag_bits & 0x800, f"{info.filename}: names in UTF-8 need the zip's UTF-8 flag"
    scripts = {n.removeprefix("govxl/") for n in names if not n.startswith("govxl/wheels/")}
    if platform == "win_amd64":
        assert scripts == {*WINDOWS_SCRIPTS, "使用说明.txt"}
    else:
        assert scripts == {"install.sh", "start.sh", "使用说明.txt"}
    wheels = [n.removeprefix("govxl/wheels/") for n in names if n.startswith("govxl/wheels/")]
    assert any(w.startswith("govxl-") for w in wheels) and any(w.startswith("pip-") for w in wheels)
    cp = "cp" + python.replace(".", "")
    for w in wheels:  # a compiled wheel is for this platform and this Python, nothing else
        if not w.endswith("-none-any.whl"):
            _, _, py_tag, abi, plat = w.removesuffix(".whl").rsplit("-", 4)
            # cpXY for this Python, the stable ABI, or no ABI at all (py3-none-<platform>: a library
            # loaded through ctypes, such as pypdfium2, serves every Python 3)
            assert cp in py_tag.split(".") or "abi3" in abi or (abi == "none" and "py3" in py_tag.split(".")), w
            assert plat.endswith("win_amd64") if platform == "win_amd64" else plat.endswith(platform.split("_", 1)[1]), w

    folder = unpack(bundle, tmp_path / "解压 后")
    done = subprocess.run([sys.executable, "-m", "pip", "--isolated", "install", "--dry-run", "--no-index",
                           "--find-links", str(folder / "wheels"), *target_options(platform, python),
                           "--target", str(tmp_path / "target"), "govxl"],
                          capture_output=True, text=True, env=isolated_env(), timeout=600)
    assert done.returncode == 0, done.stderr
    would = re.search(r"Would install (.*)", done.stdout).group(1).split()
    assert any(w.startswith("govxl-") for w in would) and any(w.startswith("python-calamine-") for w in would)


# --- what cmd.exe needs ----------------------------------------------------------------------------

CMD_SPECIAL = set(b'|&<>^%"()')


@pytest.fixture(scope="module")
def windows_bundle(tmp_path_factory, govxl_wheel) -> Path:
    bundle = build(tmp_path_factory.mktemp("win"), govxl_wheel, "win_amd64", "3.11")
    return unpack(bundle, bundle.parent / "unpacked")


@pytest.mark.parametrize("name", WINDOWS_SCRIPTS)
def test_windows_scripts_are_bytes_a_chinese_cmd_exe_reads(windows_bundle, name):
    data = (windows_bundle / name).read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf"), "cmd.exe would run the BOM as part of the first command"
    assert data.count(b"\n") == data.count(b"\r\n") > 5 and data.count(b"\r") == data.count(b"\r\n"), "CRLF only"
    text = data.decode("gbk")  # strictly: the bytes are GBK (code page 936)
    assert WINDOWS_SCRIPTS[name] in text  # and they say what they should, not mojibake
    lines = text.split("\r\n")
    assert lines[0] == "@echo off" and lines[1] == "chcp 936 >nul"
    assert data[: data.index(b"\r\n", data.index(b"chcp"))].isascii(), "the code page is set before any Chinese"
    for ch in set(text):
        if not ch.isascii():  # no double-byte character hides a byte that cmd.exe treats specially
            assert not set(ch.encode("gbk")) & CMD_SPECIAL, ch
    for line in lines:
        if line.lower().startswith("echo"):
            assert not set(line) & set("<>|&^"), line
        assert not line.rstrip().endswith("("), "no blocks: a ) in a message would end them early"
    labels = {line[1:].strip().lower() for line in lines if line.startswith(":")}
    for target in re.findall(r"goto\s+(\w+)", text, re.I):
        assert target.lower() in labels, target


def test_windows_scripts_install_from_the_bundle_only_and_start_the_workbench(windows_bundle):
    install = (windows_bundle / "安装.bat").read_bytes().decode("gbk")
    (pip_wheel,) = [p.name for p in (windows_bundle / "wheels").glob("pip-*.whl")]
    assert f'"%~dp0wheels\\{pip_wheel}\\pip" --isolated install --no-index --find-links "%~dp0wheels"' in install
    assert 'set "PIP_CONFIG_FILE=NUL"' in install and "py -3.11-64" in install and "(3, 11)" in install
    assert "struct.calcsize('P') != 8" in install  # a 32-bit Python cannot take the win_amd64 wheels
    start = (windows_bundle / "启动工作台.bat").read_bytes().decode("gbk")
    assert '"%~dp0env\\Scripts\\govxl.exe" serve' in start
    notes = (windows_bundle / "使用说明.txt").read_bytes()
    assert notes.startswith(b"\xef\xbb\xbf") and notes.count(b"\n") == notes.count(b"\r\n")
    assert "安装.bat" in notes.decode("utf-8-sig") and "Python 3.11" in notes.decode("utf-8-sig")


# --- the Linux bundle, installed -------------------------------------------------------------------


def offline() -> list[str]:
    """A command prefix that runs without any network, when the machine allows it."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


def test_the_linux_bundle_installs_offline_and_runs_the_demo(tmp_path, govxl_wheel):
    bundle = build(tmp_path, govxl_wheel, "manylinux_x86_64", HERE)
    folder = unpack(bundle, tmp_path / "办公 电脑")
    for script in ("install.sh", "start.sh"):
        data = (folder / script).read_bytes()
        assert data.startswith(b"#!/bin/sh\n") and b"\r" not in data
        assert os.access(folder / script, os.X_OK)
        subprocess.run(["sh", "-n", str(folder / script)], check=True)
    assert b'"$here/env/bin/govxl" serve' in (folder / "start.sh").read_bytes()
    # A fresh shell: the Python of this test first on PATH (not its venv), no pip settings, and
    # every way to the network closed.
    env = isolated_env()
    env.pop("PIP_CONFIG_FILE")
    env.pop("VIRTUAL_ENV", None)
    env.update(PATH=os.pathsep.join([str(Path(sys._base_executable).parent), env.get("PATH", "")]),
               PIP_INDEX_URL="http://127.0.0.1:9/simple", PIP_FIND_LINKS=str(tmp_path / "nothing"),
               http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9")
    no_network = offline()
    done = subprocess.run([*no_network, "sh", str(folder / "install.sh")], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "安装完成" in done.stdout
    govxl = folder / "env" / "bin" / "govxl"
    demo = subprocess.run([*no_network, str(govxl), "demo", "--out", str(tmp_path / "示例 输出")], capture_output=True,
                          text=True, env={**env, "COLUMNS": "120"}, cwd=tmp_path, timeout=900)
    assert demo.returncode == 0, demo.stderr
    assert "示例已完成" in demo.stdout
    assert (tmp_path / "示例 输出" / "2023年卫东区汇总表.xlsx").exists()
    installed = subprocess.run([str(folder / "env" / "bin" / "python"), "-c", "import govxl; print(govxl.__file__)"],
                               capture_output=True, text=True, check=True, env=env, cwd=tmp_path).stdout
    assert installed.startswith(str(folder / "env")), "govxl runs from the bundle's installation, not the checkout"


def test_a_linux_bundle_for_another_machine_says_so_and_installs_nothing(tmp_path, govxl_wheel):
    other = "manylinux_aarch64" if os.uname().machine in ("x86_64", "amd64") else "manylinux_x86_64"
    folder = unpack(build(tmp_path, govxl_wheel, other, HERE), tmp_path / "别的 电脑")
    done = subprocess.run(["sh", str(folder / "install.sh")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "本安装包适用于" in done.stdout and os.uname().machine in done.stdout
    assert not (folder / "env").exists()
