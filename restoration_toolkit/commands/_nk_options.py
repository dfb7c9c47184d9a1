"""The arguments of `rtk nk`, as tables: one row per flag (``flag, add_argument kwargs``)."""

from __future__ import annotations

from pathlib import Path

from ..nk.inference_script import COMPRESSIONS, WRITE_PRESETS
from ..nk.root_color import DEFAULT_NUKE_VERSION, NUKE_BUILTIN_OCIO
from ..nk.training_settings import SETTING_KEYS

FLAG = {"action": "store_true"}
PROJECT = (
    "--project",
    {"metavar": "DIR", "help": "project folder (default: nearest project.yaml)"},
)
JSON = ("--json", {**FLAG, "help": "print machine-readable JSON on stdout"})
NO_LOG = ("--no-log", {**FLAG, "help": "do not record this run in notes/experiments.md"})
NUKE = ("--nuke", {"metavar": "PATH", "help": "Nuke executable (default: $RTK_NUKE, usual places)"})
SCRIPT_OPTIONS = [
    PROJECT, JSON, NO_LOG, NUKE,
    ("--technique", {"help": "color-reference, gauge, … (default: the project's)"}),
    ("--shot", {"help": "shot (its pairs / frames); default: the whole sequence"}),
    ("--out", {"type": Path, "help": "script to write (default: inside the stage folder)"}),
    ("--nc", {**FLAG, "help": "Nuke Non-Commercial: the .nknc template"}),
    ("--template", {"type": Path, "help": "a template file to use instead of nuke_base/"}),
    ("--target-size", {"metavar": "WxH", "help": "gauge: raster the scan is resized to"}),
    ("--filter", {"default": "Lanczos4", "help": "Reformat filter for --target-size"}),
    ("--nuke-version", {"type": int, "default": DEFAULT_NUKE_VERSION,
                        "choices": tuple(NUKE_BUILTIN_OCIO), "help": "Nuke the script is for"}),
    ("--ocio-config", {"metavar": "NAME", "help": "another Nuke built-in OCIO config (Root)"}),
    ("--run", {**FLAG, "help": "run it now with Nuke in terminal mode"}),
]  # fmt: skip
TRAIN = [
    ("--step", {"type": int, "default": 1, "choices": (1, 2), "help": "analog-video step"}),
    ("--model", {"type": Path, "help": "analog-video step 2: the step-1 .cat / .catnc"}),
    ("--overlap-box", {"metavar": "X0,Y0,X1,Y1", "help": "analog-video step 1 overlap (scan px)"}),
    ("--no-gpu", {**FLAG, "help": "train without --gpu"}),
    ("--nukex", {**FLAG, "help": "run Nuke with --nukex (CopyCat trains without it)"}),
    ("--no-multi-resolution", {"dest": "multi_resolution", "action": "store_const", "const": False,
                               "help": "turn Use Multi-Resolution Training off (on by default)"}),
    ("--model-size", {"help": "small | medium | large"}),
    ("--median-size", {"type": float, "help": "Median on a color reference, px (default 10)"}),
] + [(f"--{k.replace('_', '-')}", {"type": int}) for k in SETTING_KEYS
     if k not in ("model_size", "median_size", "multi_resolution")]  # fmt: skip
RUN_TRAIN = [
    ("script", {"type": Path, "help": "a saved .nk script with a CopyCat node"}),
    ("--node", {"default": "CopyCat1", "help": "the CopyCat node (default CopyCat1)"}),
    PROJECT, JSON, NO_LOG, NUKE, TRAIN[3], TRAIN[4],
]  # fmt: skip
INFERENCE = [
    ("--model", {"type": Path, "required": True, "help": "the trained .cat (.catnc)"}),
    ("--frames", {"help": "frames to render, e.g. 1001-1100 (default: the whole scan)"}),
    ("--test-render", {"type": int, "metavar": "N", "help": "render only the first N frames"}),
    ("--chunk", {"type": int, "metavar": "N", "help": "also write N-frame chunks to render"}),
    ("--gpu", {**FLAG, "help": "render with --gpu"}),
    ("--write", {"default": "default", "choices": tuple(WRITE_PRESETS),
                 "help": "default (rgb, Zip, %%04d) or method (rgba, DWAA 45, ######)"}),
    ("--compression", {"choices": tuple(COMPRESSIONS), "help": "EXR compression override"}),
]  # fmt: skip
SELFCHECK = [
    ("--out", {"type": Path, "default": Path("check.py"), "help": "the check script"}),
    ("--project", {"metavar": "DIR", "help": "also check this project's color spaces"}),
    JSON,
]  # fmt: skip
ACTIONS = {
    "train": ("write the CopyCat training script (stage 03)", TRAIN + SCRIPT_OPTIONS),
    "run-train": ("train the CopyCat node of a saved script headless", RUN_TRAIN),
    "inference": ("write the inference & render script (stage 04)", INFERENCE + SCRIPT_OPTIONS),
    "selfcheck": ("write check.py: `nuke -t check.py` checks the toolkit in that Nuke", SELFCHECK),
}
