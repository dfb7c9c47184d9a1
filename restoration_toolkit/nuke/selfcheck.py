"""The in-Nuke self-check: paste every template and RT_* tool into the running Nuke and report,
node by node, what Nuke made of it — as printed lines and a JSON report to send back.

This module imports only ``nuke`` and the standard library, so ``rtk nk selfcheck`` can copy
its text into a stand-alone ``check.py`` (with the plan from ``nk.selfcheck_plan``) for
``nuke -t check.py`` on a machine where the toolkit itself may not import. It uses only nuke
calls we have seen documented or used by working tools (notes/nuke-facts-nk.md): nodePaste,
createNode, nodes.<Class>(), delete, root(), Group begin/end/nodes, node.knobs() / input() /
name() / Class(), knob value() / setValue() / values(), env, NUKE_VERSION_*.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback
from typing import Any, Dict, List, Optional, Tuple

import nuke

REPORT_SCHEMA = "rtk.nuke-selfcheck-report/1"
EDITION_KEYS = ("nc", "indie", "studio", "nukex", "hiero", "assist")  # nuke.env flags


def _env(key: str) -> Any:
    try:
        return nuke.env[key]
    except Exception:  # noqa: BLE001 - a key this Nuke does not have
        return None


def edition() -> str:
    """ "Non-Commercial", "Indie", "Nuke Studio", "NukeX", … or "Nuke"."""
    names = {
        "nc": "Non-Commercial",
        "indie": "Indie",
        "studio": "Nuke Studio",
        "nukex": "NukeX",
        "hiero": "Hiero",
        "assist": "Nuke Assist",
    }
    for key in EDITION_KEYS:
        if _env(key):
            return names[key]
    return "Nuke"


def nuke_info() -> Dict[str, Any]:
    return {
        "version": getattr(nuke, "NUKE_VERSION_STRING", "?"),
        "major": getattr(nuke, "NUKE_VERSION_MAJOR", None),
        "minor": getattr(nuke, "NUKE_VERSION_MINOR", None),
        "edition": edition(),
        "env": {k: _env(k) for k in EDITION_KEYS},
        "gui": bool(getattr(nuke, "GUI", False)),
        "python": sys.version.split()[0],
        "platform": sys.platform,
    }


def _add(
    checks: List[Dict[str, Any]], id_: str, what: str, ok: Optional[bool], **more: Any
) -> None:
    """Record one check: ``ok`` True (passed), False (failed) or None (could not be told)."""
    checks.append({"id": id_, "what": what, "ok": ok, **more})


# -- comparing what was written with what Nuke holds -------------------------------------------


def menu_names(values: List[str]) -> List[str]:
    """Every name an enumeration entry answers to: the text before the first tab, its last
    path part, and the aliases Nuke lists in the fourth field (``ACEScg\\tColorspaces/ACES/
    ACEScg\\t\\tACES - ACEScg,acescg``)."""
    names: List[str] = []
    for value in values:
        fields = str(value).split("\t")
        names += [fields[0], fields[0].split("/")[-1]]
        if len(fields) > 1 and fields[1]:
            names.append(fields[1].split("/")[-1])
        if len(fields) > 3:
            names += [a.strip() for a in fields[3].split(",") if a.strip()]
    return names


def _numbers(text: str) -> Optional[List[float]]:
    try:
        return [float(v) for v in text.strip("{}").split()]
    except ValueError:
        return None


def agrees(written: str, held: Any) -> Optional[bool]:
    """Whether the knob holds the written value; None when it cannot be told here
    (expressions, animation, metadata lists)."""
    text = written.strip()
    if text.startswith("{"):
        numbers = _numbers(text) if "{" not in text[1:] else None
        if numbers is None or not isinstance(held, (list, tuple)):
            return None
        return len(numbers) == len(held) and all(
            abs(a - float(b)) < 1e-4 for a, b in zip(numbers, held)
        )
    if "[" in text or "$" in text:
        return None
    if isinstance(held, bool):
        return text.lower() in (("true", "1") if held else ("false", "0"))
    if isinstance(held, (int, float)):
        try:
            return abs(float(text) - float(held)) <= 1e-6 * max(1.0, abs(float(held)))
        except ValueError:
            return None
    if hasattr(held, "width") and callable(held.width):  # a Format
        return text.split()[:2] == [str(held.width()), str(held.height())]
    return text in menu_names([str(held)]) or str(held) == text


def _knob_problems(node: Any, knobs: Dict[str, str]) -> List[Dict[str, Any]]:
    problems = []
    present = node.knobs()
    for name, written in knobs.items():
        knob = present.get(name)
        if knob is None:
            problems.append(dict(knob=name, problem="missing", knobs_of_class=sorted(present)))
            continue
        values = knob.values() if hasattr(knob, "values") else None
        wanted = written.split("\t")[0]
        if values is not None and wanted not in menu_names(values) and not written.startswith("{"):
            menu = [str(v) for v in values]
            problems.append(dict(knob=name, problem="not in the menu", written=written, menu=menu))
            continue
        try:
            held = knob.value()
        except Exception as exc:  # noqa: BLE001 - report what Nuke says
            problems.append(dict(knob=name, problem=f"value() failed: {exc}", written=written))
            continue
        if agrees(written, held) is False:
            problems.append(
                dict(knob=name, problem="holds another value", written=written, holds=repr(held))
            )
    return problems


def _input_problems(node: Any, inputs: List[Optional[str]]) -> List[Dict[str, Any]]:
    problems = []
    for index, wanted in enumerate(inputs):
        got = node.input(index)
        name = got.name() if got is not None else None
        if wanted is not None and name != wanted:
            problems.append(
                dict(input=index, problem="wired elsewhere", expected=wanted, found=name)
            )
    return problems


def _check_nodes(
    where: str, found: Dict[str, Any], expected: List[Dict[str, Any]], checks: List[Dict[str, Any]]
) -> None:
    """One check per expected node: exists, class, knobs, inputs (children of Groups too)."""
    for spec in expected:
        node = found.get(spec["name"])
        id_, what = f"node:{where}/{spec['name']}", f"{spec['class']} {spec['name']}"
        if node is None:
            _add(checks, id_, what, False, detail="not created by the paste", created=sorted(found))
            continue
        problems: List[Dict[str, Any]] = []
        if node.Class() != spec["class"]:
            problems.append({"problem": "class", "expected": spec["class"], "found": node.Class()})
        problems += _knob_problems(node, spec["knobs"]) + _input_problems(node, spec["inputs"])
        _add(checks, id_, what, not problems, problems=problems, knobs_checked=len(spec["knobs"]))
        if spec.get("children") is not None:
            node.begin()
            try:
                inner = {n.name(): n for n in node.nodes()}
            finally:
                node.end()
            _check_nodes(f"{where}/{spec['name']}", inner, spec["children"], checks)


# -- pasting ---------------------------------------------------------------------------------


def _paste(entry: Dict[str, Any]) -> Tuple[Any, Dict[str, Any], Optional[str]]:
    """Paste ``entry`` into a new Group: (the Group, its nodes by name, the paste error)."""
    group = nuke.nodes.Group()
    error = None
    handle, path = tempfile.mkstemp(suffix=".nk", prefix="rtk_selfcheck_")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(entry["text"])
    group.begin()
    try:
        if entry["kind"] == "gizmo":
            error = _insert_gizmo(entry["name"], path)
        else:
            nuke.nodePaste(path)
    except Exception as exc:  # noqa: BLE001 - the message is the finding
        error = f"{type(exc).__name__}: {exc}"
    finally:
        nodes = {n.name(): n for n in group.nodes()}
        group.end()
        os.unlink(path)
    if entry["kind"] == "gizmo" and len(nodes) == 1:  # the tool, whatever Nuke named it
        nodes = {entry["nodes"][0]["name"]: next(iter(nodes.values()))}
    return group, nodes, error


def _insert_gizmo(name: str, path: str) -> Optional[str]:
    """The tool as the menu inserts it (from Nuke's plugin path), else pasted from the file
    text — then the finding is that the toolkit's gizmos/ folder is not on the plugin path."""
    try:
        nuke.createNode(name, "", False)
        return None
    except Exception as exc:  # noqa: BLE001
        nuke.nodePaste(path)
        return f"not on the plugin path ({type(exc).__name__}: {exc}); checked from its file text"


def check_scripts(plan: Dict[str, Any], edition_code: str, checks: List[Dict[str, Any]]) -> None:
    for entry in plan["scripts"]:
        if entry["edition"] not in ("any", edition_code):
            continue
        group, nodes, error = _paste(entry)
        try:
            what, detail = f"{entry['kind']} {entry['name']}", error or f"{len(nodes)} nodes"
            _add(checks, f"paste:{entry['name']}", what, error is None, detail=detail)
            _check_nodes(entry["name"], nodes, entry["nodes"], checks)
        finally:
            nuke.delete(group)


def check_classes(plan: Dict[str, Any], checks: List[Dict[str, Any]]) -> None:
    group = nuke.nodes.Group()
    group.begin()
    try:
        for cls in plan["classes"]:
            why = plan["required"].get(cls, "used by a template or tool")
            try:
                getattr(nuke.nodes, cls)()
                ok, detail = True, why
            except Exception as exc:  # noqa: BLE001
                ok, detail = False, f"{type(exc).__name__}: {exc} — {why}"
            _add(checks, f"class:{cls}", f"node class {cls}", ok, detail=detail)
    finally:
        group.end()
        nuke.delete(group)


# -- the Root: knobs, OCIO config, color spaces -------------------------------------------------


def check_root(plan: Dict[str, Any], switch_config: bool, checks: List[Dict[str, Any]]) -> None:
    """The Root knobs the templates write exist; the OCIO config is in this Nuke; every color
    space the toolkit writes resolves in it. ``switch_config`` (terminal runs) selects the
    config first; in a GUI session the artist's script is never changed."""
    knobs = nuke.root().knobs()
    missing = [k for k in plan["root_knobs"] if k not in knobs]
    detail = {"missing": missing, "knobs_of_root": sorted(knobs)} if missing else "all present"
    _add(checks, "root:knobs", "Root knobs the templates write", not missing, detail=detail)
    ocio = dict(plan["ocio"])
    by_version = ocio.get("config_by_nuke_version") or {}
    ocio["config"] = by_version.get(str(getattr(nuke, "NUKE_VERSION_MAJOR", "")), ocio["config"])
    knob = knobs.get("OCIO_config")
    menu = [str(v) for v in knob.values()] if knob is not None and hasattr(knob, "values") else None
    if ocio["config"] == "custom":
        ok: Optional[bool] = bool(ocio["custom_path"]) and os.path.isfile(ocio["custom_path"])
    else:
        ok = ocio["config"] in menu_names(menu) if menu is not None else None
    detail = {"menu": menu, "custom_path": ocio["custom_path"]}
    _add(checks, "ocio:config", f"OCIO config {ocio['config']}", ok, detail=detail)
    current = str(knob.value()) if knob is not None else ""
    if switch_config and ok and knob is not None:
        knobs["colorManagement"].setValue("OCIO")
        knob.setValue(ocio["config"])
        if ocio["custom_path"]:
            knobs["customOCIOConfigPath"].setValue(ocio["custom_path"])
        current = ocio["config"]
    if current.split("\t")[0] != ocio["config"]:
        why = f"not checked: this script uses OCIO config {current!r} (nuke -t check.py checks it)"
        for name in ocio["colorspaces"]:
            _add(checks, f"ocio:colorspace:{name}", f"color space {name}", None, detail=why)
        return
    _check_colorspaces(ocio["colorspaces"], checks)


def _check_colorspaces(names: List[str], checks: List[Dict[str, Any]]) -> None:
    group = nuke.nodes.Group()
    group.begin()
    try:
        knob = nuke.nodes.OCIOColorSpace().knobs().get("in_colorspace")
        menu = (
            [str(v) for v in knob.values()]
            if knob is not None and hasattr(knob, "values")
            else None
        )
    finally:
        group.end()
        nuke.delete(group)
    known = menu_names(menu) if menu is not None else None
    for name in names:
        ok = name in known if known is not None else None
        _add(
            checks, f"ocio:colorspace:{name}", f"color space {name}", ok, menu=None if ok else menu
        )


# -- running and reporting -----------------------------------------------------------------


def run_checks(plan: Dict[str, Any], switch_config: bool = False) -> Dict[str, Any]:
    """Every check of ``plan`` in this Nuke; the report (JSON-able)."""
    checks: List[Dict[str, Any]] = []
    steps = (
        lambda: check_classes(plan, checks),
        lambda: check_root(plan, switch_config, checks),
        lambda: check_scripts(plan, "nknc" if _env("nc") else "nk", checks),
    )
    for step in steps:
        try:
            step()
        except Exception:  # noqa: BLE001 - a crash of the check is itself a finding
            _add(
                checks, "selfcheck:crash", "the check itself", False, detail=traceback.format_exc()
            )
    counts = {
        "passed": sum(1 for c in checks if c["ok"] is True),
        "failed": sum(1 for c in checks if c["ok"] is False),
        "not_checked": sum(1 for c in checks if c["ok"] is None),
    }
    return {
        "schema": REPORT_SCHEMA,
        "toolkit_version": plan["toolkit_version"],
        "written_for_nuke": plan["nuke_version_written_for"],
        "nuke": nuke_info(),
        "summary": counts,
        "checks": checks,
    }


def report_lines(report: Dict[str, Any]) -> List[str]:
    """The report for a person: one line per check that did not pass, then the counts."""
    info = report["nuke"]
    lines = [
        f"Film Restoration Toolkit {report['toolkit_version']} in Nuke {info['version']} "
        f"({info['edition']}, Python {info['python']})"
    ]
    for check in report["checks"]:
        if check["ok"] is not True:
            mark = "FAIL" if check["ok"] is False else "----"
            lines.append(f"{mark} {check['what']}: {_short(check)}")
    s = report["summary"]
    lines.append(f"{s['passed']} passed, {s['failed']} failed, {s['not_checked']} not checked")
    return lines


def _short(check: Dict[str, Any]) -> str:
    problems = check.get("problems")
    if problems:
        return "; ".join(f"{p.get('knob', p.get('input', ''))} {p['problem']}" for p in problems)
    detail = check.get("detail")
    return detail if isinstance(detail, str) else json.dumps(detail)[:300]


def write_report(report: Dict[str, Any], path: str) -> str:
    """Write the JSON report (temporary name, then renamed) and return its path."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=folder, prefix=".rtk_selfcheck_", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(report, out, indent=1, default=str)
    os.replace(tmp, path)
    return path


def main(plan: Dict[str, Any], argv: List[str]) -> int:
    """``nuke -t check.py [report.json]``: run, print, write the report; 1 when a check failed."""
    report = run_checks(plan, switch_config=True)
    path = write_report(report, argv[0] if argv else "rtk_selfcheck_report.json")
    print("\n".join(report_lines(report)))
    print(f"report: {path} — please send this file with your message")
    return 1 if report["summary"]["failed"] else 0
