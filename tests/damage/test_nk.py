"""The damage mask in .nk graphs: the Keymix that keys the evidence-made ground truth into
the damaged pixels, and RT_DamageMask's Copy — read back with the independent parser."""

from __future__ import annotations

from restoration_toolkit.nk import Script, write_script
from restoration_toolkit.nk.damage_graph import (
    damage_mask_graph,
    damage_mask_read,
    keyed_ground_truth,
)
from restoration_toolkit.nk.graphs import ClipSpec
from restoration_toolkit.nk.layout import layout
from restoration_toolkit.nk.model import Node
from tests.nk.independent import read_independently


def _written(nodes) -> dict:
    script = Script(nodes=nodes)
    layout(script)
    return read_independently(write_script(script))


def test_keymix_takes_the_repaired_truth_where_the_mask_is_set():
    truth = Node("Read", name="Truth", knobs={"file": "gt.%04d.exr"})
    repaired = Node("Read", name="RepairedTruth", knobs={"file": "gt_repaired.%04d.exr"})
    mask = damage_mask_read("DamageMask", ClipSpec("damage/mask.%04d.exr", 1001, 1010))
    g = keyed_ground_truth(truth, repaired, mask)
    seen = _written([truth, repaired, mask] + g.nodes)
    keymix = seen["GT_DamageKeymix"]
    assert keymix.cls == "Keymix"
    assert keymix.inputs == ["Truth", "RepairedTruth", "DamageMask"]  # B, A, mask
    assert keymix.knobs["maskChannel"] == "rgba.alpha"
    assert seen["DamageMask"].knobs["on_error"] == "black"
    assert seen["DamageMask"].knobs["raw"] == "true"


def test_rt_damage_mask_copies_the_mask_into_the_inputs_alpha():
    scan = Node("Read", name="Scan", knobs={"file": "scan.%04d.dpx"})
    g = damage_mask_graph(scan)
    seen = _written([scan] + g.nodes)
    copy = seen["DamageMaskCopy"]
    assert copy.cls == "Copy" and copy.inputs == ["Scan", "DamageMaskRead"]  # B = image, A = mask
    assert copy.knobs["from0"] == "rgba.alpha" and copy.knobs["to0"] == "rgba.alpha"


def test_validation_graph_shows_damage_before_and_after():
    from restoration_toolkit.nk.validation_graph import comparison_text

    text = comparison_text(
        scan=ClipSpec("scan.%04d.dpx", 1011, 1014),
        result=ClipSpec("ml.%04d.exr", 1011, 1014),
        size=(64, 48),
        baselines=(),
        damage=ClipSpec("damage/mask.%04d.exr", 1011, 1014),
        repair=ClipSpec("damage_repair/repaired.%04d.dpx", 1011, 1014),
    )
    seen = read_independently(text)
    before, after = seen["RT_Damage_before"], seen["RT_Damage_after"]
    assert before.cls == after.cls == "Keymix"
    assert before.inputs == ["RT_Lanczos", "RT_DamageTint_before", "RT_DamageMaskReformat"]
    assert after.inputs == ["RT_ResultRead", "RT_DamageTint_after", "RT_DamageMaskReformat"]
    assert seen["RT_DamageMaskReformat"].inputs == ["RT_DamageMaskRead"]
    assert seen["RT_DamageMaskRead"].knobs["on_error"] == "black"
    sheet = seen["RT_ValidationSheet"].inputs
    assert {"RT_Damage_before", "RT_Damage_after", "RT_DamageRepair"} <= set(sheet)
