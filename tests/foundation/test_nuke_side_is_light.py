"""What Nuke imports must load in Nuke's own Python: standard library + PyYAML + filelock.

Nuke ships no numpy / OpenCV / OpenImageIO for our use; heavy work runs in the `rtk`
subprocess. This test imports every module of restoration_toolkit.nuke (and init.py /
menu.py) with the heavy packages made unimportable, against the fake nuke.
"""

import pkgutil
import subprocess
import sys
from pathlib import Path

import restoration_toolkit.nuke as host

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("numpy", "cv2", "OpenImageIO", "PyOpenColorIO", "scipy", "skimage", "colour", "torch",
         "matplotlib", "PySide2", "PySide6", "rich")


def test_nuke_modules_import_without_heavy_packages():
    names = [m.name for m in pkgutil.walk_packages(host.__path__, "restoration_toolkit.nuke.")]
    assert "restoration_toolkit.nuke.menus" in names
    code = f"""
import sys, importlib, runpy
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {HEAVY!r}:
            raise ImportError('blocked heavy package ' + name)
sys.meta_path.insert(0, Block())
sys.path.insert(0, {str(ROOT)!r})
from tests.fakes import nuke as fake
sys.modules['nuke'] = fake
for n in {names!r}:
    importlib.import_module(n)
runpy.run_path({str(ROOT / 'init.py')!r})
runpy.run_path({str(ROOT / 'menu.py')!r})
print('ok')
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
