"""The repository layout Nuke users and TDs rely on (issue: foundation, item 1)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("01_dataset_curation", "02_alignment", "03_copycat_training", "04_inference_render",
          "05_matchgrade_render")


def test_top_level_layout():
    for name in ("menu.py", "init.py", "pyproject.toml", "README.md", "Makefile", ".ci/run",
                 "notes/experiments.md"):
        assert (ROOT / name).is_file(), name
    for name in ("restoration_toolkit", "gizmos", "nuke_base", "pipeline", "docs", "notes", "tests"):
        assert (ROOT / name).is_dir(), name


def test_every_stage_folder_says_what_goes_in_and_out_and_what_makes_it():
    for stage in STAGES:
        text = (ROOT / "pipeline" / stage / "README.md").read_text(encoding="utf-8")
        assert "rtk " in text, f"{stage}: no command named"
        assert "Film Restoration" in text, f"{stage}: no Nuke menu entry named"


def test_readme_has_exactly_two_setup_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick.strip().splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
