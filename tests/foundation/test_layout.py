"""The repository layout Nuke users and TDs rely on, and the rules each folder of the package
keeps (docs/architecture.md): read from the source text, so a change that breaks a rule fails
here instead of being found by the next reader."""

import ast
import re
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "restoration_toolkit"
STAGES = ("01_dataset_curation", "02_alignment", "03_copycat_training", "04_inference_render",
          "05_matchgrade_render")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
MAX_COMMAND_LINES = 150
# Known exceptions, each owned by the engineer splitting it this round; remove a line when
# its module lands split. Never add one to make a new module pass.
MODULE_EXCEPTIONS: Dict[str, str] = {}
COMMAND_EXCEPTIONS: Dict[str, str] = {}
FUNCTION_EXCEPTIONS: Dict[str, str] = {}


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _modules() -> List[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _imported(path: Path) -> Iterator[Tuple[str, ast.AST]]:
    """Absolute names of the restoration_toolkit modules (and third-party top levels) that
    ``path`` imports, with the import node."""
    package = ["restoration_toolkit", *path.relative_to(PACKAGE).parent.parts]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            yield name, node
            for alias in node.names:  # "from . import nk" imports a module too
                yield f"{name}.{alias.name}", node


def test_top_level_layout():
    for name in ("menu.py", "init.py", "pyproject.toml", "README.md", "Makefile", ".ci/run",
                 "notes/experiments.md", "docs/architecture.md"):
        assert (ROOT / name).is_file(), name
    for name in ("restoration_toolkit", "gizmos", "nuke_base", "pipeline", "docs", "notes",
                 "tests"):
        assert (ROOT / name).is_dir(), name
    for name in ("core", "stages", "commands", "nk", "nuke", "testing", "ui", "train", "farm",
                 "report"):
        assert (PACKAGE / name / "__init__.py").is_file(), name


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


def test_core_never_imports_the_layers_above_it_nor_a_host():
    banned = ("restoration_toolkit.stages", "restoration_toolkit.commands",
              "restoration_toolkit.testing", "restoration_toolkit.nuke", "restoration_toolkit.ui",
              "restoration_toolkit.train", "restoration_toolkit.farm", "restoration_toolkit.report",
              "restoration_toolkit.cli", "nuke", "nukescripts", "PySide2", "PySide6", "torch")
    bad = [
        f"{_rel(p)}:{node.lineno} imports {name}"
        for p in _modules()
        if _rel(p).startswith("core/")
        for name, node in _imported(p)
        if name in banned or name.startswith(tuple(b + "." for b in banned))
    ]
    assert bad == []


def test_nothing_outside_nuke_imports_the_host_adapter():
    bad = [
        f"{_rel(p)}:{node.lineno} imports {name}"
        for p in _modules()
        if not _rel(p).startswith("nuke/")
        for name, node in _imported(p)
        if name == "restoration_toolkit.nuke" or name.startswith("restoration_toolkit.nuke.")
    ]
    assert bad == []


def test_commands_are_thin():
    sizes = {_rel(p): len(p.read_text(encoding="utf-8").splitlines())
             for p in (PACKAGE / "commands").glob("*.py")}
    bad = {m: n for m, n in sizes.items() if n >= MAX_COMMAND_LINES and m not in COMMAND_EXCEPTIONS}
    assert bad == {}
    assert [m for m in COMMAND_EXCEPTIONS if sizes.get(m, 0) < MAX_COMMAND_LINES] == [], (
        "split: drop it from COMMAND_EXCEPTIONS"
    )


def test_no_module_over_400_lines():
    sizes = {_rel(p): len(p.read_text(encoding="utf-8").splitlines()) for p in _modules()}
    bad = {m: n for m, n in sizes.items() if n > MAX_MODULE_LINES and m not in MODULE_EXCEPTIONS}
    assert bad == {}
    assert [m for m in MODULE_EXCEPTIONS if sizes.get(m, 0) <= MAX_MODULE_LINES] == [], (
        "split: drop it from MODULE_EXCEPTIONS"
    )
    assert len(MODULE_EXCEPTIONS) <= 6


def _long_functions() -> Dict[str, List[str]]:
    out: Dict[str, List[str]] = {}
    for p in _modules():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    out.setdefault(_rel(p), []).append(f"{node.name} ({length} lines)")
    return out


def test_no_function_over_80_lines():
    found = _long_functions()
    assert {m: f for m, f in found.items() if m not in FUNCTION_EXCEPTIONS} == {}
    assert [m for m in FUNCTION_EXCEPTIONS if m not in found] == [], (
        "done: drop it from FUNCTION_EXCEPTIONS"
    )


def test_every_module_says_what_it_holds():
    missing = [_rel(p) for p in _modules() if not ast.get_docstring(ast.parse(p.read_text()))]
    assert missing == []


def test_no_silent_fallback_around_our_own_modules():
    """``try: import <our module> except ImportError`` hides a bug; only optional third-party
    packages (Qt through the ui.qt shim, torch, nukescripts, deadline, fcntl, filelock) may be
    probed."""
    bad = []
    for p in _modules():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Try):
                continue
            catches = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
            if not catches & {"ImportError", "ModuleNotFoundError"}:
                continue
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom) and (
                    stmt.level or (stmt.module or "").startswith("restoration_toolkit")
                ):
                    if ast.unparse(stmt) == "from ..ui import qt":  # the Qt shim probes Qt
                        continue
                    bad.append(f"{_rel(p)}:{stmt.lineno}")
    assert bad == []


def test_tests_and_benchmarks_stay_apart():
    """Shared synthetic material lives in restoration_toolkit/testing, so neither side
    imports the other."""
    def imports(folder: Path, other: str) -> List[str]:
        found = []
        for p in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                found += [f"{p.relative_to(ROOT)}:{node.lineno}" for n in names
                          if n == other or n.startswith(other + ".")]
        return found

    assert imports(ROOT / "tests", "benchmarks") == []
    assert imports(ROOT / "benchmarks", "tests") == []
    assert imports(PACKAGE, "tests") == [] and imports(PACKAGE, "benchmarks") == []


def _names_a_benchmark_script(node: ast.AST) -> bool:
    """``"benchmarks/x.py"`` or ``ROOT / "benchmarks" …`` (not ``… / "docs" / "benchmarks"``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"(^|/)benchmarks/\w+\.py$", node.value))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        right, left = node.right, node.left
        under_docs = (isinstance(left, ast.BinOp) and isinstance(left.right, ast.Constant)
                      and left.right.value == "docs")
        return isinstance(right, ast.Constant) and right.value == "benchmarks" and not under_docs
    return False


def test_tests_do_not_load_benchmark_scripts_by_path():
    """The import rule above, not side-stepped by loading a script from its path
    (importlib, runpy): what a test checks of a benchmark belongs in restoration_toolkit/testing."""
    found = [
        f"{p.relative_to(ROOT)}:{node.lineno}"
        for p in sorted((ROOT / "tests").rglob("*.py")) if p != Path(__file__)
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if _names_a_benchmark_script(node)
    ]
    assert found == []
    # the check itself finds both spellings
    probe = ast.parse('a = "benchmarks/color.py"\nb = ROOT / "benchmarks" / "x.py"\n'
                      'c = ROOT / "docs" / "benchmarks"')
    assert [n.lineno for n in ast.walk(probe) if _names_a_benchmark_script(n)] == [1, 2]
