"""Node classes the strict fake `nuke` knows, and the knobs each one has.

One line per class: ``"Class": (max_inputs, "knob knob …")``. Sources: ../shared/NUKE_FACTS.md
(V = verified there) and Foundry's Nuke reference guide; a class or knob that is not verified
carries a ``# unverified`` comment. Add what the toolkit uses, with a source; never add a knob
just to make a test pass.
"""

from typing import Dict, Tuple

# Knobs every node has (Node tab). Source: .nk files saved by Nuke (V).
COMMON_KNOBS = (
    "name label note_font note_font_size note_font_color selected hide_input cached disable "
    "dope_sheet bookmark postage_stamp lifetimeStart lifetimeEnd useLifetime tile_color "
    "gl_color xpos ypos icon indicators onCreate onDestroy knobChanged autolabel updateUI help"
)
MASK_KNOBS = "maskChannelMask maskChannelInput inject invert_mask fringe mix process_mask"

NODE_CLASSES: Dict[str, Tuple[int, str]] = {
    "Root": (0, "first_frame last_frame fps format proxy_type proxy_format lock_range colorManagement OCIO_config customOCIOConfigPath workingSpaceLUT monitorLut floatLut int8Lut int16Lut logLut viewerLut"),  # V
    "Read": (0, "file file_type format proxy first last origfirst origlast origset colorspace raw before after on_error reload frame_mode frame premultiplied auto_alpha localizationPolicy"),  # V
    "Write": (1, "file file_type channels datatype compression dw_compression_level first last use_limit colorspace create_directories metadata raw views beforeRender afterRender render_order checkHashOnRead version autocrop write_ACES_compliant_EXR interleave"),  # V; colorspace/create_directories/metadata H (public tools set them); dw_compression_level V (NDK exrWriter.cpp)
    "CopyCat": (3, "dataDirectory epochs modelSize cropSize batchSizeType batchSize checkpointInterval imageInterval isCachingEnabled useGPUIfAvailable gpuName initialWeights checkpointFile startTraining resumeTraining createInference useMultiResolutionTraining"),  # V: Foundry's CopyCat reference (NUKE_FACTS "Checked since"); inputs 0 Input, 1 Ground Truth, 2 Preview (index unverified)
    "Inference": (1, "modelFile useGPUIfAvailable halfPrecision gpuName serialiseKnob"),  # V
    "CatFileCreator": (0, "torchScriptFile catFile channelsIn channelsOut modelId"),  # V
    # V: matchGradeTask analysisType (Foundry reference); sourceRefFrames targetRefFrames (saved
    # script; public code sets sourceRefFrames): notes/nuke-facts-color.md
    "MatchGrade": (3, "matchGradeTask analysisType sourceRefFrames targetRefFrames"),
    "STMap": (3, "uv channels filter blur blur_scale maskChannel " + MASK_KNOBS),  # V knobs; input order unverified
    "FrameHold": (1, "first_frame firstFrame increment"),  # V (old and new spelling)
    "FrameRange": (1, "first_frame last_frame"),  # H: written by a public .nk generator (Gegenschuss ae-shot-roundtrip, nk.js); used by restoration_toolkit.nk.graphs.pair_stream
    "TimeOffset": (1, "time_offset reverse_input"),  # V
    "FrameRange": (1, "first_frame last_frame"),  # H: nuke.nodes.FrameRange(first_frame=…, last_frame=…) in public tools (Andr3w0w3n/NukeSmallScripts CopyCatCreator.py; NyanNyanGringo knobDefault FrameRange.first_frame)
    "AppendClip": (99, "firstFrame fadeIn fadeOut cross_dissolve meta_from_first"),  # H; knobs unverified
    "Reformat": (1, "type format scale resize filter center box_width box_height box_fixed box_pixel_aspect pbb black_outside flip flop turn clamp"),  # V
    "Transform": (2, "translate rotate scale skewX skewY skew_order center invert_matrix filter clamp black_outside motionblur shutter shutteroffset shuttercustomoffset " + MASK_KNOBS),  # V
    "Crop": (1, "box reformat crop intersect softness"),  # V
    "Merge2": (3, "operation Achannels Bchannels output also_merge sRGB screen_alpha bbox metainput " + MASK_KNOBS),  # V
    "Grade": (2, "channels blackpoint whitepoint black white multiply add gamma reverse black_clamp white_clamp unpremult " + MASK_KNOBS),  # V
    "ColorCorrect": (2, "channels saturation contrast gamma gain offset unpremult " + MASK_KNOBS),  # V
    "OCIOColorSpace": (2, "in_colorspace out_colorspace channels " + MASK_KNOBS),  # V
    "OCIOFileTransform": (2, "file direction interpolation working_space channels " + MASK_KNOBS),  # unverified (file/direction/interpolation per NUKE_FACTS U)
    "OCIOCDLTransform": (2, "slope offset power saturation direction file cccid working_space channels " + MASK_KNOBS),  # unverified
    "Shuffle": (2, "in in2 out red green blue alpha"),  # V (legacy)
    "Shuffle2": (2, "fromInput1 fromInput2 in1 in2 out1 out2 mappings"),  # V
    "Copy": (3, "from0 to0 from1 to1 from2 to2 from3 to3 channels bbox " + MASK_KNOBS),  # V
    "Keymix": (3, "channels maskChannel invertMask bbox mix"),  # V: Foundry Keymix reference + NDK Keymix.cpp (notes/nuke-facts-damage.md)
    "BackdropNode": (0, "bdwidth bdheight appearance border_width z_order"),  # V (label/note_font_size/tile_color are common knobs)
    "Dot": (1, ""),  # V
    "NoOp": (1, ""),  # V
    "Group": (99, ""),  # V (user knobs are added with addKnob)
    "Input": (0, "number"),  # V
    "Output": (1, ""),  # V
    "Viewer": (10, "frame_range frame_range_lock input_process viewerProcess"),  # V
    "Switch": (99, "which"),  # V
    "Dissolve": (3, "which channels " + MASK_KNOBS),  # V
    "ContactSheet": (99, "width height rows columns roworder colorder gap center startframe endframe split_alpha"),  # unverified knob names
    "Median": (2, "channels size ignore_top_line " + MASK_KNOBS),  # V: Foundry reference guide (filter_nodes/median.html)
    "Colorspace": (2, "channels colorspace_in illuminant_in primary_in colorspace_out illuminant_out primary_out " + MASK_KNOBS),  # unverified
    "Remove": (1, "operation channels channels2 channels3 channels4"),  # V: Foundry reference guide (channel_nodes/remove.html), NDK Remove.cpp
    "CopyBBox": (2, ""),  # unverified
    "Blur": (2, "channels size filter quality crop " + MASK_KNOBS),  # V
    "Sharpen": (2, "channels amount size filter " + MASK_KNOBS),  # unverified
    "Denoise2": (2, "type model profile output amount rolloff smoothness sharpen lumablend chromablend useGPUIfAvailable " + MASK_KNOBS),  # H: knob names linked by a public gizmo (vfxwiki/filterAOV: T Denoise1.amount …); class name Denoise2 unverified
    "Grain2": (2, "seed presets red_size green_size blue_size red_i green_i blue_i red_m green_m blue_m black minimum " + MASK_KNOBS),  # H: Nuke Grain preset text "red_size 3.30 … red_i 0.60 … red_m 0.42 … black 0.00" (jedypod GrainResponse gist); minimum unverified
    "Constant": (0, "channels color format first last"),  # V
    "ModifyMetaData": (1, "metadata"),  # unverified
}


def knobs_of(cls: str) -> Tuple[int, frozenset]:
    max_inputs, names = NODE_CLASSES[cls]
    return max_inputs, frozenset((COMMON_KNOBS + " " + names).split())


# Enumeration knobs whose menu entries are verified: (class, knob) → entries as knob.values()
# lists them (name, then tab-separated menu path and aliases). "ocio" = the color spaces of
# the OCIO config the fake Root has selected (nuke._ocio_menu).
ROOT_OCIO_CONFIGS = [  # H: a public fake of Nuke 15 copying knob.values(); the method's project settings
    "aces_1.2\tACES/aces_1.2\t\t",
    "fn-nuke_cg-config-v1.0.0_aces-v1.3_ocio-v2.1\tACES/fn-nuke_cg-config-v1.0.0_aces-v1.3_ocio-v2.1\t\tcg-config-v1.0.0_aces-v1.3_ocio-v2.1",
    "fn-nuke_studio-config-v1.0.0_aces-v1.3_ocio-v2.1\tACES/fn-nuke_studio-config-v1.0.0_aces-v1.3_ocio-v2.1\t\tstudio-config-v1.0.0_aces-v1.3_ocio-v2.1",
    "nuke-default",
    "custom",
]
MENUS = {
    ("Root", "colorManagement"): ["Nuke", "OCIO"],  # V: Foundry's OCIO color management page
    ("Root", "OCIO_config"): ROOT_OCIO_CONFIGS,
    ("CopyCat", "modelSize"): ["Small", "Medium", "Large"],  # V: Foundry's CopyCat reference
    ("CopyCat", "batchSizeType"): ["Auto", "Manual"],  # V: Foundry's CopyCat reference
    ("OCIOColorSpace", "in_colorspace"): "ocio",  # names V (OCIO's built-in configs); entry form H
    ("OCIOColorSpace", "out_colorspace"): "ocio",
}
