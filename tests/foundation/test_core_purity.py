"""core/ must never import nuke or Qt (it runs on farms and in notebooks)."""

import pkgutil
import subprocess
import sys

import restoration_toolkit.core as core


def test_core_imports_no_host_or_qt_module():
    names = [m.name for m in pkgutil.walk_packages(core.__path__, "restoration_toolkit.core.")]
    assert len(names) > 8
    code = (
        "import importlib, sys\n"
        f"for n in {names!r}: importlib.import_module(n)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('nuke', 'nukescripts', 'PySide2', 'PySide6', 'PyQt5', 'PyQt6', 'shiboken2', 'shiboken6'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
