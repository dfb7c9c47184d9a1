"""The validation comparison graph as .nk text (no ``nuke`` import: usable headless).

Scan Read → the traditional baselines of :mod:`restoration_toolkit.core.validation.baselines`, the model
result Read, the reference Read when there is one, a difference view (|result − reference|,
or |result − scan| without a reference) gained ×4 to make errors visible, and a ContactSheet
of everything, in the order the report's table uses.

Node classes and knobs (see notes/nuke-facts-validate.md): Read, Reformat (``type "to box"``,
``box_width``, ``box_height``, ``box_fixed``, ``filter`` Lanczos4 / Cubic), Merge2
(``operation difference``), Grade (``white``) are verified in NUKE_FACTS.md; Sharpen,
Denoise2, Grain2 and ContactSheet knobs are marked unverified where used.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from . import Node, Script, write_script
from .graphs import ClipSpec, read_node
from .model import Raw

# Nuke equivalents of the core baselines' parameters (core.baselines.BASELINES).
UNSHARP = {"amount": 0.8, "size": 3.0}  # unverified: Sharpen size (px) ≈ 2 × Gaussian σ 1.5
DSG_SHARPEN = {"amount": 0.6, "size": 3.0}  # unverified: as above
GRAIN_SIZE = 1.2  # unverified: Grain2 size in px for a Gaussian-shaped grain of σ ≈ 0.6 px


def _reformat(name: str, src: Node, size: Tuple[int, int], filt: str) -> Node:
    return Node(
        "Reformat",
        name=name,
        inputs=[src],
        knobs={
            "type": "to box",
            "box_width": int(size[0]),
            "box_height": int(size[1]),
            "box_fixed": True,
            "filter": filt,
        },
    )


def baseline_nodes(scan: Node, size: Tuple[int, int], names: Sequence[str]) -> Dict[str, Node]:
    """The nodes of each baseline fed by ``scan``: name → its last node (all nodes are reachable
    from it through inputs)."""
    out: Dict[str, Node] = {}
    lanczos = _reformat("RT_Lanczos", scan, size, "Lanczos4")
    out["scan"] = lanczos
    if "bicubic" in names:
        out["bicubic"] = _reformat("RT_Bicubic", scan, size, "Cubic")
    if "unsharp" in names:
        out["unsharp"] = Node(
            "Sharpen",
            name="RT_Unsharp",
            inputs=[_reformat("RT_UnsharpReformat", scan, size, "Lanczos4")],
            knobs=dict(UNSHARP),
        )  # unverified: Sharpen knobs amount, size
    if "denoise_sharpen_grain" in names:
        r = _reformat("RT_DSGReformat", scan, size, "Lanczos4")
        # unverified: Denoise2 knob names (amount, seen in a public gizmo linking Denoise1.amount);
        # the artist still sets the analysis region on a flat patch of grain.
        d = Node("Denoise2", name="RT_Denoise", inputs=[r], knobs={"amount": 1.0})
        s = Node("Sharpen", name="RT_DSGSharpen", inputs=[d], knobs=dict(DSG_SHARPEN))  # unverified
        # unverified: Grain2 knobs seed, red_size/green_size/blue_size (Nuke's Grain presets text)
        out["denoise_sharpen_grain"] = Node(
            "Grain2",
            name="RT_Regrain",
            inputs=[s],
            knobs={
                "seed": 0,
                "red_size": GRAIN_SIZE,
                "green_size": GRAIN_SIZE,
                "blue_size": GRAIN_SIZE,
            },
        )
    return out


def damage_tiles(
    scan: Node, result: Node, size: Tuple[int, int], damage: ClipSpec,
    repair: Optional[ClipSpec] = None,
) -> Dict[str, Node]:
    """Damage before and after: the scan and the model result with ``rtk damage detect``'s
    mask tinted red over them (a Keymix of a reddening Grade through the mask), and the
    traditional repair (``rtk damage repair``) when given."""
    from .damage_graph import damage_mask_read

    mask = _reformat("RT_DamageMaskReformat", damage_mask_read("RT_DamageMaskRead", damage),
                     size, "Cubic")
    out: Dict[str, Node] = {}
    for tag, src in (("before", scan), ("after", result)):
        tint = Node("Grade", name=f"RT_DamageTint_{tag}", inputs=[src],
                    knobs={"white": Raw("{1 0.25 0.25 1}")})  # Grade white per channel: V
        out[f"damage {tag}"] = Node("Keymix", name=f"RT_Damage_{tag}", inputs=[src, tint, mask],
                                    knobs={"maskChannel": "rgba.alpha"})  # 0 B, 1 A, 2 mask: V
    if repair is not None:
        out["damage repair"] = _reformat(
            "RT_DamageRepair", read_node("RT_DamageRepairRead", repair), size, "Lanczos4")
    return out


def comparison_nodes(
    *,
    scan: ClipSpec,
    result: ClipSpec,
    size: Tuple[int, int],
    reference: Optional[ClipSpec] = None,
    baselines: Sequence[str] = ("bicubic", "unsharp", "denoise_sharpen_grain"),
    damage: Optional[ClipSpec] = None,
    repair: Optional[ClipSpec] = None,
) -> List[Node]:
    """Every node of the comparison (Reads first, ContactSheet last); with ``damage`` (the
    masks) the damage before and after (:func:`damage_tiles`)."""
    scan_read = read_node("RT_ScanRead", scan)
    result_read = read_node("RT_ResultRead", result)
    ref_read = read_node("RT_ReferenceRead", reference) if reference else None
    branches = baseline_nodes(scan_read, size, baselines)
    if damage is not None:
        branches.update(damage_tiles(branches["scan"], result_read, size, damage, repair))
    against = ref_read or branches["scan"]
    diff = Node(
        "Merge2",
        name="RT_Difference",
        inputs=[against, result_read],  # 0 = B, 1 = A
        knobs={"operation": "difference"},
    )
    gain = Node("Grade", name="RT_DifferenceGain", inputs=[diff], knobs={"white": 4.0})
    tiles: List[Node] = (
        [result_read] + ([ref_read] if ref_read else []) + list(branches.values()) + [gain]
    )
    columns = 3 if len(tiles) > 4 else 2
    rows = (len(tiles) + columns - 1) // columns
    sheet = Node(
        "ContactSheet",
        name="RT_ValidationSheet",
        inputs=tiles,
        knobs={
            # unverified for ContactSheet (seen on LayerContactSheet in Foundry's reference guide)
            "width": int(size[0]) * columns,
            "height": int(size[1]) * rows,
            "rows": rows,
            "columns": columns,
            "roworder": "TopBottom",
        },
    )
    nodes: List[Node] = [scan_read, result_read] + ([ref_read] if ref_read else [])
    seen = {id(n) for n in nodes}

    def add(n: Node) -> None:
        for i in n.inputs:
            if isinstance(i, Node) and id(i) not in seen:
                add(i)
        if id(n) not in seen:
            seen.add(id(n))
            nodes.append(n)

    for n in list(branches.values()) + [diff, gain, sheet]:
        add(n)
    return nodes


def comparison_text(
    *,
    scan: ClipSpec,
    result: ClipSpec,
    size: Tuple[int, int],
    reference: Optional[ClipSpec] = None,
    baselines: Sequence[str] = ("bicubic", "unsharp", "denoise_sharpen_grain"),
    snippet: bool = True,
    damage: Optional[ClipSpec] = None,
    repair: Optional[ClipSpec] = None,
) -> str:
    """.nk text of :func:`comparison_nodes`: a paste snippet, or a full script with a Root."""
    nodes = comparison_nodes(
        scan=scan, result=result, size=size, reference=reference, baselines=baselines,
        damage=damage, repair=repair,
    )
    root = (
        None
        if snippet
        else {
            "first_frame": result.first,
            "last_frame": result.last,
            "format": f"{int(size[0])} {int(size[1])} 0 0 {int(size[0])} {int(size[1])} 1 RT_validation",
        }
    )
    return write_script(Script(nodes=nodes, root=root), snippet=snippet)


def comparison_script_text(inputs, damage: Optional[str] = None) -> str:
    """A full .nk for the report folder from resolved validation inputs. RTKError says why
    there is none (no model sequence, or a result spread over several sequences, e.g. shots).
    ``damage``: the project's damage-mask pattern (``%04d``): damage before and after, with
    the ``damage repair`` candidate when there is one."""
    import re

    from ..core.errors import RTKError

    model = next((c for c in inputs.candidates if c.kind == "model"), None)
    if model is None or not model.paths:
        raise RTKError("no validation.nk: the model result is not a sequence on disk")
    frames = inputs.frames
    first, last = frames[0], frames[-1]

    def pattern(path) -> str:
        m = re.match(r"^(.*?)(\d+)(\.[^.]+)$", path.as_posix())
        return f"{m.group(1)}%0{len(m.group(2))}d{m.group(3)}" if m else path.as_posix()

    patterns = {pattern(p) for p in model.paths.values()}
    if len(patterns) != 1:
        raise RTKError(
            "no validation.nk: the model result spans several sequences "
            f"({', '.join(sorted(patterns))}); build the graph per shot in Nuke"
        )
    from ..core.io.images import read_image

    ref_path = inputs.reference[first]
    h, w = read_image(ref_path).pixels.shape[:2]
    names = [c.baseline or c.name for c in inputs.candidates if c.kind == "baseline" and c.baseline]
    fixed = next((c for c in inputs.candidates if c.name == "damage repair" and c.paths), None)
    return comparison_text(
        scan=ClipSpec(pattern(inputs.scan[first]), first, last, inputs.scan_space),
        result=ClipSpec(patterns.pop(), first, last, model.colorspace),
        reference=ClipSpec(pattern(ref_path), first, last, inputs.reference_space),
        size=(w, h),
        baselines=names,
        snippet=False,
        damage=ClipSpec(damage, first, last) if damage else None,
        repair=ClipSpec(pattern(fixed.paths[first]), first, last, fixed.colorspace)
        if fixed is not None and first in fixed.paths
        else None,
    )
