"""The `rtk` command line: help, version, one-line errors, non-zero exits."""

import subprocess
import sys

from restoration_toolkit import __version__


def rtk(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "restoration_toolkit", *args], capture_output=True,
                          text=True, cwd=cwd)


def test_help_lists_every_command_with_a_line():
    out = rtk("--help")
    assert out.returncode == 0
    for command in ("project", "demo"):
        assert f"    {command}" in out.stdout


def test_version():
    out = rtk("--version")
    assert out.returncode == 0 and __version__ in out.stdout


def test_bad_input_is_one_line_and_non_zero(tmp_path):
    out = rtk("project", "show", "--project", str(tmp_path))
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rtk: error: ") and "project.yaml" in lines[0]


def test_usage_errors_exit_2():
    assert rtk("project", "init").returncode == 2
    assert rtk("no-such-command").returncode == 2
