"""The .nk model: what write_script writes is read back the same by nkparser and by us."""

from __future__ import annotations

import pytest
from independent import read_independently

from restoration_toolkit.nk import (
    PASTE_INPUT,
    NkSyntaxError,
    Node,
    Raw,
    Script,
    UserKnob,
    format_value,
    parse_script,
    write_script,
)

FORMAT = "2048 1556 0 0 2048 1556 1 2K_Super_35(full-ap)"


def _names(node):
    return [None if i is None else i.name for i in node.inputs]


def _check_both_ways(script: Script) -> Script:
    """Write, then check wiring/classes with nkparser and round-trip with our parser."""
    text = write_script(script)
    seen = read_independently(text)
    ours = parse_script(text)
    for node in script.walk():
        other = ours.find(node.name)
        assert other is not None and other.cls == node.cls
        assert _names(other) == _names(node), node.name
    top = {n.name: n for n in script.nodes}
    for name, node in top.items():
        assert seen[name].cls == node.cls
        assert seen[name].inputs == _names(node), name
        for key, value in node.knobs.items():
            assert seen[name].knobs[key] == format_value(value)
    assert write_script(ours) == text  # stable: writing what we read gives the same text
    return ours


def test_inputs_zero_one_two_three():
    read = Node("Read", name="Read1", knobs={"file": "/scan/scan.####.exr", "first": 1})
    ref = Node("Read", name="Read2", knobs={"file": "/ref/ref.%04d.exr"})
    grade = Node("Grade", name="Grade1", knobs={"white": 1.2, "black_clamp": False}, inputs=[read])
    merge = Node("Merge2", name="Merge1", knobs={"operation": "plus"}, inputs=[grade, ref])
    three = Node("CopyCat", name="CopyCat1", inputs=[read, ref, grade])
    ours = _check_both_ways(Script(nodes=[read, ref, grade, merge, three]))
    assert ours.find("CopyCat1").input(0).name == "Read1"  # Input
    assert ours.find("CopyCat1").input(1).name == "Read2"  # Ground Truth
    assert ours.find("Grade1").knobs == {"white": "1.2", "black_clamp": "false"}


def test_top_of_stack_is_input_zero_in_text():
    a = Node("Read", name="A")
    b = Node("Read", name="B")
    merge = Node("Merge2", name="M", inputs=[b, a])  # B = input 0, A = input 1
    text = write_script(Script(nodes=[merge]))
    body = text[text.index("}\n", text.index("Root")) :]
    # the last thing pushed before Merge2 is B (input 0)
    assert body.index("name A") < body.index("name B") < body.index("Merge2 {")


def test_shared_inputs_use_set_and_push():
    read = Node("Read", name="Scan")
    y = Node("Colorspace", name="Y", inputs=[read])
    crop = Node("Crop", name="Crop1", knobs={"box": [0, 0, 2048, 1556]}, inputs=[read])
    merge = Node("Merge2", name="Merge1", inputs=[y, crop])
    also = Node("Dot", name="Dot1", inputs=[read])
    text = write_script(Script(nodes=[read, y, crop, merge, also]))
    assert text.count("set N") == 1 and text.count("push $N") == 2
    ours = _check_both_ways(Script(nodes=[read, y, crop, merge, also]))
    assert ours.find("Crop1").input(0) is ours.find("Y").input(0) is ours.find("Scan")


def test_empty_inputs_push_zero():
    a = Node("Read", name="A")
    merge = Node("Merge2", name="M", inputs=[None, a])  # only A connected
    lone = Node("Grade", name="Lone", inputs=[None])
    none = Node("Grade", name="NoInputs")  # inputs 0
    text = write_script(Script(nodes=[merge, lone, none]))
    assert "push 0" in text and " inputs 0\n name NoInputs" in text
    ours = _check_both_ways(Script(nodes=[merge, lone, none]))
    assert _names(ours.find("M")) == [None, "A"]
    assert _names(ours.find("Lone")) == [None]
    assert ours.find("NoInputs").inputs == []


def test_group_with_inputs_and_output():
    scan = Node("Read", name="Scan")
    ref = Node("Read", name="Ref")
    in0 = Node("Input", name="Input1")
    in1 = Node("Input", name="Input2", knobs={"number": 1})
    shared = Node("Dot", name="Dot1", inputs=[in1])
    merge = Node("Merge2", name="Merge1", knobs={"operation": "copy"}, inputs=[in0, shared])
    grade = Node("Grade", name="Grade1", inputs=[shared])
    both = Node("Merge2", name="Merge2", inputs=[merge, grade])
    out = Node("Output", name="Output1", inputs=[both])
    group = Node(
        "Group",
        name="RT_Test",
        inputs=[scan, ref],
        children=[in0, in1, shared, merge, grade, both, out],
        user_knobs=[UserKnob("20 User"), UserKnob("1 rt_version l Version", "1.0.0")],
    )
    write = Node("Write", name="Write1", knobs={"file": "/out/x.####.exr"}, inputs=[group])
    script = Script(nodes=[scan, ref, group, write])
    text = write_script(script)
    assert "end_group" in text and " Input {" in text
    seen = read_independently(text)
    assert seen["RT_Test"].inputs == ["Scan", "Ref"]
    assert seen["Write1"].inputs == ["RT_Test"]
    inner = seen["RT_Test"].children
    assert inner["Merge1"].inputs == ["Input1", "Dot1"]
    assert inner["Merge2"].inputs == ["Merge1", "Grade1"]
    assert inner["Output1"].inputs == ["Merge2"]
    assert inner["Input2"].knobs["number"] == "1"
    ours = _check_both_ways(script)
    g = ours.find("RT_Test")
    assert g.is_group and g.knob("rt_version") == "1.0.0"
    assert ours.find("RT_Test.Merge2").input(1).name == "Grade1"
    assert [u.definition for u in g.user_knobs] == ["20 User", "1 rt_version l Version"]


def test_nested_groups():
    inner_in = Node("Input", name="Input1")
    inner = Node(
        "Group",
        name="Inner",
        inputs=[None],
        children=[inner_in, Node("Output", name="Output1", inputs=[inner_in])],
    )
    outer_in = Node("Input", name="Input1")
    inner.inputs = [outer_in]
    outer = Node(
        "Group",
        name="Outer",
        children=[outer_in, inner, Node("Output", name="Output1", inputs=[inner])],
    )
    ours = parse_script(write_script(Script(nodes=[outer])))
    assert ours.find("Outer.Inner.Output1").input(0).name == "Input1"
    assert ours.find("Outer.Output1").input(0).name == "Inner"


def test_root_header_and_color_management():
    script = Script(
        nodes=[Node("Read", name="Read1")],
        root={
            "format": FORMAT,
            "first_frame": 1001,
            "last_frame": 1100,
            "fps": 23.976,
            "colorManagement": "OCIO",
            "OCIO_config": "aces_1.2",
        },
    )
    text = write_script(script)
    lines = text.splitlines()
    assert lines[0].startswith("#! ") and lines[0].endswith(" -nx")
    assert lines[1] == "version 15.1 v1"
    assert lines[2] == "Root {"
    assert f' format "{FORMAT}"' in lines
    ours = parse_script(text)
    assert ours.root["format"] == FORMAT
    assert ours.root["first_frame"] == "1001" and ours.root["last_frame"] == "1100"
    assert ours.root["fps"] == "23.976"
    assert ours.root["colorManagement"] == "OCIO" and ours.root["OCIO_config"] == "aces_1.2"
    assert ours.nuke_version == "15.1 v1"
    assert [n.name for n in ours.nodes] == ["Read1"]  # Root is not a node


def test_tcl_brackets_are_escaped_and_strings_quoted():
    node = Node(
        "NoOp",
        name="N",
        knobs={
            "label": 'frame [frame] of $shot "q"\nline 2',
            "file": "/path with space/x.####.exr",
            "expr": Raw("{{parent.size}}"),
            "empty": "",
        },
    )
    text = write_script(Script(nodes=[node]))
    assert "\\[frame]" in text and "\\$shot" in text and " expr {{parent.size}}" in text
    ours = parse_script(text).find("N")
    assert ours.knobs["label"] == 'frame [frame] of $shot "q"\nline 2'
    assert ours.knobs["file"] == "/path with space/x.####.exr"
    assert ours.knobs["expr"] == "{{parent.size}}" and ours.knobs["empty"] == ""
    seen = read_independently(text)["N"]
    assert seen.knobs["file"] == '"/path with space/x.####.exr"'


def test_live_tcl_in_quotes_stays_raw():
    text = 'NoOp {\n label "\\[value a] [value b]"\n name N\n}\n'
    node = parse_script(text).find("N")
    assert isinstance(node.knobs["label"], Raw)
    assert write_script(parse_script(text), snippet=True).endswith(text)


def test_values_written_the_nuke_way():
    assert format_value(True) == "true" and format_value(False) == "false"
    assert format_value(3) == "3" and format_value(2.0) == "2" and format_value(0.1) == "0.1"
    assert format_value([0, 0, 10.5, 10]) == "{0 0 10.5 10}"
    assert format_value("rgba.red") == "rgba.red"
    assert format_value("16 bit half") == '"16 bit half"'
    with pytest.raises(TypeError):
        format_value({"a": 1})
    with pytest.raises(ValueError):
        format_value(float("nan"))


def test_snippet_for_node_paste():
    grade = Node("Grade", name="Grade1", inputs=[PASTE_INPUT])
    text = write_script(Script(nodes=[grade]), snippet=True)
    assert text.splitlines()[:3] == [
        "set cut_paste_input [stack 0]",
        "version 15.1 v1",
        "push $cut_paste_input",
    ]
    assert "Root" not in text
    ours = parse_script(text)
    assert ours.snippet and ours.find("Grade1").input(0) is PASTE_INPUT
    assert write_script(ours) == text
    # the same graph as a full script leaves the input empty
    assert "push 0" in write_script(Script(nodes=[grade]))


def test_mask_inputs_and_unnamed_nodes():
    a, b, m = Node("Read", name="A"), Node("Read", name="B"), Node("Read", name="Mask")
    merge = Node("Merge2", name="M", knobs={"inputs": Raw("2+1")}, inputs=[b, a, m])
    g1, g2 = Node("Grade", inputs=[merge]), Node("Grade", inputs=[merge])
    text = write_script(Script(nodes=[g1, g2]))
    assert " inputs 2+1" in text and "name Grade1" in text and "name Grade2" in text
    ours = parse_script(text)
    assert _names(ours.find("M")) == ["B", "A", "Mask"]
    assert write_script(ours) == text


def test_cycles_and_bad_text_are_refused():
    a = Node("Grade", name="A")
    b = Node("Grade", name="B", inputs=[a])
    a.inputs = [b]
    with pytest.raises(ValueError, match="cycle"):
        write_script(Script(nodes=[a, b]))
    with pytest.raises(NkSyntaxError):
        parse_script("Group {\n name G\n}\n Input {\n inputs 0\n}\n")  # no end_group
    with pytest.raises(NkSyntaxError):
        parse_script("push $nowhere\n")
    with pytest.raises(NkSyntaxError):
        parse_script('Grade {\n label "open\n')
    with pytest.raises(ValueError):
        Node("Grade", knobs={"name": "x"})


def test_parses_a_script_as_nuke_saves_it():
    text = """#! C:/Program Files/Nuke15.1v1/nuke-15.1.1.dll -nx
version 15.1 v1
define_window_layout_xml {<?xml version="1.0" encoding="UTF-8"?>
<layout version="1.0"/>
}
Root {
 inputs 0
 name C:/shots/a.nk
 format "1920 1080 0 0 1920 1080 1 HD_1080"
 colorManagement OCIO
}
Read {
 inputs 0
 file_type exr
 file C:/plates/p.####.exr
 name Read1
 xpos -40
 ypos -150
}
set N5a1b2c00 [stack 0]
Blur {
 size {{parent.Read1.first}}
 name Blur1
}
push $N5a1b2c00
Merge2 {
 inputs 2
 name Merge1
}
"""
    ours = parse_script(text)
    assert ours.root["name"] == "C:/shots/a.nk"
    merge = ours.find("Merge1")
    assert merge.input(0).name == "Read1" and merge.input(1).name == "Blur1"
    assert ours.find("Blur1").knobs["size"] == "{{parent.Read1.first}}"
    assert ours.find("Read1").knobs["xpos"] == "-40"


def test_long_chains_are_written_and_read_without_recursion_limits():
    from restoration_toolkit.nk.layout import layout

    prev = Node("Read", name="R")
    nodes = [prev]
    for i in range(3000):  # deeper than Python's default recursion limit
        prev = Node("Grade", name=f"G{i}", inputs=[prev, nodes[max(0, i - 3)]])
        nodes.append(prev)
    script = Script(nodes=nodes)
    layout(script)
    text = write_script(script)
    ours = parse_script(text)
    assert ours.find("G2999").input(0).name == "G2998"
    assert ours.find("G2999").input(1).name == "G2995"
    assert ours.find("G2999").knobs["ypos"] == str(3000 * 90)
    assert write_script(ours) == text


def test_syntax_errors_name_the_line():
    with pytest.raises(NkSyntaxError, match="line 4: push of an unknown variable"):
        parse_script("Read {\n name A\n}\npush $B\n")
