"""The damage mask in Nuke graphs: reading ``rtk damage detect``'s masks, and keying the
ground truth of damaged pixels from the scan as repaired from evidence.

A compositor would build it so: the ground truth composite (scan + reference, per technique)
is the B input of a ``Keymix``; the same composite made from the *repaired* scan
(``rtk damage repair``: the reference in the scan's tones with the scan's grain, or the
motion-compensated neighbours) is its A input; the damage mask (alpha) is its mask. Where the
mask is 0 the ground truth is untouched; where it is 1 it comes from the evidence; the mask's
soft rim blends the two. CopyCat has no per-pixel loss mask, so pixels no source shows stay
as the scan shows them in the repaired sequence (``rtk damage repair`` leaves them as
scanned): the model learns to leave them, never to paint them. The PyTorch engine
(``rtk train``) masks them out of the loss instead.

Keymix inputs 0 = B, 1 = A, 2 = mask; ``maskChannel`` rgba.alpha. A missing mask frame reads
black (``on_error black``): undamaged. Masks are data (``raw true``). Sources:
``notes/nuke-facts-damage.md``.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

from .graphs import ClipSpec, SubGraph, pair_stream, read_node, take_luma_from
from .model import Node, Script


def damage_mask_read(name: str, clip: ClipSpec) -> Node:
    """A Read of a damage-mask sequence: raw values, missing frames black (undamaged)."""
    node = read_node(name, clip)
    node.knobs["raw"] = True
    node.knobs["on_error"] = "black"
    return node


def keyed_ground_truth(
    truth: Node, repaired_truth: Node, mask: Node, prefix: str = "GT"
) -> SubGraph:
    """``truth`` (B) with ``repaired_truth`` (A) keyed in where ``mask``'s alpha says the
    scan is damaged."""
    g = SubGraph()
    g.add(
        Node(
            "Keymix",
            name=f"{prefix}_DamageKeymix",
            knobs={"maskChannel": "rgba.alpha"},
            inputs=[truth, repaired_truth, mask],
        )
    )
    return g


def mask_into_alpha(image: Node, mask: Node, name: str = "DamageMaskCopy") -> Node:
    """``image`` with the damage mask in its alpha (Copy: B = image, A = mask,
    rgba.alpha → rgba.alpha), what RT_DamageMask outputs and a Keymix or Merge mask reads."""
    return Node(
        "Copy",
        name=name,
        knobs={"from0": "rgba.alpha", "to0": "rgba.alpha"},
        inputs=[image, mask],
    )


def damage_mask_graph(image: Node, clip: Optional[ClipSpec] = None) -> SubGraph:
    """RT_DamageMask's inner graph: the mask Read (its ``file`` set by the tool's button to
    the mask sequence of the scan it is connected to) copied into the input's alpha."""
    g = SubGraph()
    read = g.add(damage_mask_read("DamageMaskRead", clip or ClipSpec("", 1, 1)))
    g.add(mask_into_alpha(image, read))
    return g


def _clone(node: Node, name: str, src: Node) -> Node:
    return Node(node.cls, name=name, knobs=dict(node.knobs), inputs=[src])


def _scan_path(script: Script) -> List[Node]:
    """The nodes between the scan's pair stream and its live-area Crop (a gauge Reformat,
    the Crop itself): what the mask and the repaired scan must go through too."""
    crop = script.find("ScanLiveArea")
    if crop is None:
        raise ValueError("the training graph has no ScanLiveArea Crop")
    chain = [crop]
    node = crop.inputs[0] if crop.inputs else None
    while isinstance(node, Node) and node.cls == "Reformat":
        chain.insert(0, node)
        node = node.inputs[0] if node.inputs else None
    return chain


def key_damage_into_truth(
    script: Script,
    frames: Sequence[int],
    masks: ClipSpec,
    repaired: ClipSpec,
    mode: str,
    prefix: str = "GT",
) -> List[Node]:
    """Wire the damage into an expanded training graph (in place; returns the new nodes).

    The masks and the repaired scan go through the scan's pair stream and live-area path;
    the repaired scan makes a second composite with the ground truth's reference side (the
    Median-cleaned reference, a keyframe, the step-1 model); a Keymix puts it into the
    ground truth where the mask is set, before CopyCat's clean-up (nkgraphs' extension
    point: between the composite and the clamps). ``mode``: chroma or luma."""
    if mode not in ("chroma", "luma"):
        raise ValueError(f"ground truth mode must be chroma or luma, not {mode!r}")
    clean = script.find(f"{prefix}_Clamp")
    composite = script.find(f"{prefix}_ToWorking")
    luma_in, chroma_in = script.find(f"{prefix}_LumaYCbCr"), script.find(f"{prefix}_ChromaYCbCr")
    if clean is None or composite is None or luma_in is None or chroma_in is None:
        raise ValueError("the training graph has no ground-truth composite to key damage into")
    path = _scan_path(script)
    new: List[Node] = []
    streams = {}
    for tag, node in (
        ("Damage", damage_mask_read("DamageMaskRead", masks)),
        ("Repaired", read_node("RepairedScanRead", repaired)),
    ):
        stream = pair_stream(node, frames, tag)
        last = stream.output
        new += [node] + stream.nodes
        for step in path:
            last = _clone(step, f"{tag}{step.name}", last)
            new.append(last)
        streams[tag] = last
    reference_side = chroma_in.inputs[0] if mode == "chroma" else luma_in.inputs[0]
    if mode == "chroma":
        evidence = take_luma_from(streams["Repaired"], reference_side, f"{prefix}Repaired")
    else:
        evidence = take_luma_from(reference_side, streams["Repaired"], f"{prefix}Repaired")
    keyed = keyed_ground_truth(composite, evidence.output, streams["Damage"], prefix)
    new += evidence.nodes + keyed.nodes
    clean.inputs = [keyed.output if i is composite else i for i in clean.inputs]
    at = script.nodes.index(clean)
    script.nodes[at:at] = new
    return new


def damage_in_training(script: Script, project, technique: str, frames: Sequence[int], scan_seq):
    """Key the project's damage into an expanded training graph when ``rtk damage detect``
    and ``rtk damage repair`` have run for the pairs: (inputs to record, warnings)."""
    from ..core.damage.files import damage_dir, mask_path, repair_dir, repaired_path
    from ..core.project import COLOR_TECHNIQUES

    masked = [f for f in frames if mask_path(project, f).is_file()]
    if not masked:
        return [], []
    ext = scan_seq.single_file.name if scan_seq.single_file else "f" + scan_seq.suffix
    ext = ext.rsplit(".", 1)[-1].lower()
    missing = [f for f in masked if not repaired_path(project, f, ext).is_file()]
    if missing:
        return [], [
            f"damage masks exist for {len(masked)} pair(s) but `rtk damage repair` wrote no "
            f"repaired frame for {len(missing)} of them (first: {missing[0]}): their ground "
            "truth keeps the damage — run `rtk damage repair`, then build the graph again"
        ]
    scan_read = script.find("ScanRead")
    colorspace = scan_read.knobs.get("colorspace") if scan_read is not None else None
    first, last = min(frames), max(frames)
    masks = ClipSpec((damage_dir(project) / "mask.%04d.exr").as_posix(), first, last)
    repaired = ClipSpec(
        (repair_dir(project) / f"repaired.%04d.{ext}").as_posix(),
        first,
        last,
        str(colorspace) if colorspace else None,
    )
    mode = "chroma" if technique in COLOR_TECHNIQUES else "luma"
    key_damage_into_truth(script, frames, masks, repaired, mode)
    return [damage_dir(project), repair_dir(project)], []
