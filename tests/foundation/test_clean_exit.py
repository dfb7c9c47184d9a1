"""`rtk` ends cleanly: no "leaked instances / types / functions" lines from OpenImageIO's
nanobind bindings at interpreter exit (notes/decisions-house.md, 2026-12-03: colour-science
keeps OpenImageIO objects in module globals, and with torch loaded in the same process — as
in `rtk demo`, where training runs before validation — they outlived the bindings)."""

import subprocess
import sys

import pytest

from restoration_toolkit.testing.farm_standins import make_project

# the demo's situation: torch is loaded (train, infer) before validation imports colour-science
RUN_AFTER_TORCH = (
    "import sys\n"
    "try:\n"
    "    import torch  # noqa: F401 - optional; where it is missing the case cannot arise\n"
    "except ImportError:\n"
    "    pass\n"
    "from restoration_toolkit.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


@pytest.mark.slow  # a fresh interpreter imports torch and colour-science (~10-25 s)
def test_validate_after_torch_exits_without_leak_reports(tmp_path):
    project = make_project(tmp_path / "p", frames=range(1, 3), size=(32, 24))
    scan = str(project / "media/scan.####.exr")
    result = subprocess.run(
        [sys.executable, "-c", RUN_AFTER_TORCH, "validate", "--scan", scan, "--reference", scan,
         "--result", scan, "--frames", "1-2", "--colorspace", "ACEScg", "--baselines", "none",
         "--out", str(tmp_path / "report"), "--json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "leaked" not in result.stderr, result.stderr


def test_an_error_exit_is_clean_too(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "restoration_toolkit", "balance", str(tmp_path / "no.####.exr"),
         "--out", str(tmp_path / "x.####.exr")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1 and result.stderr.startswith("rtk: error:")
    assert "leaked" not in result.stderr
