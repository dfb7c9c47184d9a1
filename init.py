"""Nuke start-up for the Film Restoration Toolkit (GUI, terminal and farm mode).

Only adds plugin paths and makes the package importable: no UI, no heavy imports, so a
render node starts as fast as before and scripts with RT_* tools open anywhere.
"""

import os
import sys

import nuke

_ROOT = os.path.dirname(os.path.abspath(__file__))

nuke.pluginAddPath(os.path.join(_ROOT, "gizmos"))
nuke.pluginAddPath(os.path.join(_ROOT, "nuke_base"))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
