"""Export the trained network for Nuke: TorchScript ``model.pt``, ``model.json``, CatFileCreator.

``model.pt`` is the scripted :class:`~.model.RestorationNet`: exactly one input tensor and one
output tensor, as Nuke's CatFileCreator requires.

- input: (1, 3, H, W) float32 — the red, green and blue channels of the scan, in the
  project's working space (ACEScg scene-linear by default), values as the Read delivers
  them: nominally 0–1, highlights above 1 allowed. No scale or offset is expected: the
  model was trained on exactly these values.
- output: (1, 3, H, W) float32 — restored red, green, blue, same space and range. For colour
  recovery its luminance follows the scan and its chroma the reference; for spatial recovery
  the reverse (the stage-04 Inference graph, and ``rtk infer``, recombine accordingly).
- any H and W (the model pads to a multiple of 2^levels internally and crops back).

``catfile_creator.nk`` holds one CatFileCreator node (knobs ``torchScriptFile``, ``catFile``,
``channelsIn``, ``channelsOut``, ``modelId``, as Nuke saves them — see NUKE_FACTS.md); an
artist opens it in NukeX, presses "Create .cat file", and gets the ``.cat`` the stage-04
Inference graph uses.

Nuke versions: Nuke 14 loads TorchScript made with PyTorch ≤ 1.12; a .cat made in one Nuke
version also works in later ones, not earlier ones. ``model.json`` records the torch version
that wrote ``model.pt``; to target an older Nuke, re-export from the checkpoint with that
torch (``rtk train --export-only`` in an environment with ``torch==1.12.1``), see
docs/training-engine.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import torch

from .. import __version__
from ..core.errors import RTKError
from ..core.io.atomic import atomic_write_bytes, atomic_write_text
from ..nk import Node, Script, write_script
from .model import MODEL_SIZES, RestorationNet, build_model

CHANNELS = "rgba.red,rgba.green,rgba.blue"
SIDECAR_SCHEMA = "rtk-torch-model/1"
MODEL_NAME = "model.pt"
SIDECAR_NAME = "model.json"
CAT_NAME = "model.cat"
NK_NAME = "catfile_creator.nk"
WEIGHTS_NAME = "weights.npz"  # the weights without pickle: what an old torch re-exports from


@dataclass(frozen=True)
class ExportResult:
    model_pt: Path
    sidecar: Path
    catfile_nk: Path
    cat_file: Path
    model_id: str
    max_abs_difference: float  # scripted vs eager on a test image (should be ~0)


@contextlib.contextmanager
def quiet_jit() -> Iterator[None]:
    """TorchScript is what Nuke's CatFileCreator reads; recent torch marks torch.jit deprecated."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r".*torch\.jit.*deprecated", category=DeprecationWarning
        )
        yield


def script_model(model: RestorationNet) -> torch.jit.ScriptModule:
    """TorchScript of the network, in eval mode on the CPU."""
    model = model.to("cpu").eval()
    with quiet_jit():
        return torch.jit.script(model)


def export_model(
    model: RestorationNet,
    out_dir: Path,
    *,
    model_id: str,
    info: Optional[Dict[str, Any]] = None,
) -> ExportResult:
    """Write ``model.pt``, ``model.json`` and ``catfile_creator.nk`` into ``out_dir``.

    Each file is written whole or not at all. The scripted model is loaded back with
    ``torch.jit.load`` and compared with the eager model before anything is written.
    """
    out_dir = Path(out_dir)
    scripted = script_model(model)
    buf = io.BytesIO()
    with quiet_jit():
        torch.jit.save(scripted, buf)
        data = buf.getvalue()
        reloaded = torch.jit.load(io.BytesIO(data), map_location="cpu")
    gen = torch.Generator().manual_seed(0)
    probe = torch.rand(1, 3, 45, 61, generator=gen)
    with torch.no_grad():
        diff = float((reloaded(probe) - model(probe)).abs().max())
    if not diff <= 1e-5:
        raise RTKError(f"TorchScript export differs from the trained model by {diff}", out_dir)
    model_pt = atomic_write_bytes(out_dir / MODEL_NAME, data)
    cat_file = out_dir / CAT_NAME
    sidecar = dict(info or {})
    sidecar.update(
        {
            "schema": SIDECAR_SCHEMA,
            "model_id": model_id,
            "torch_version": torch.__version__,
            "toolkit_version": __version__,
            "sha256": hashlib.sha256(data).hexdigest(),
            "input": {
                "tensors": 1,
                "shape": "1,3,H,W",
                "dtype": "float32",
                "channels": CHANNELS,
                "range": "working space as read, nominally 0-1, values above 1 allowed",
                "scale": 1.0,
            },
            "output": {
                "tensors": 1,
                "shape": "1,3,H,W",
                "dtype": "float32",
                "channels": CHANNELS,
                "range": "same space and range as the input",
            },
            "nuke": {
                "cat_file": cat_file.as_posix(),
                "catfile_creator_script": (out_dir / NK_NAME).as_posix(),
                "loads_in": nuke_compatibility(torch.__version__),
            },
        }
    )
    save_weights(model, out_dir / WEIGHTS_NAME, sidecar)
    side_path = atomic_write_text(out_dir / SIDECAR_NAME, json.dumps(sidecar, indent=2) + "\n")
    nk_path = atomic_write_text(
        out_dir / NK_NAME, catfile_creator_script(model_pt, cat_file, model_id)
    )
    return ExportResult(model_pt, side_path, nk_path, cat_file, model_id, diff)


def save_weights(model: RestorationNet, path: Path, info: Dict[str, Any]) -> Path:
    """The network's tensors as a NumPy ``.npz`` (no pickle), with the settings as JSON."""
    import numpy as np

    arrays = {f"w:{k}": v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    buf = io.BytesIO()
    np.savez(buf, info=np.array(json.dumps(info, default=str)), **arrays)
    return atomic_write_bytes(path, buf.getvalue())


def state_from_weights(path: Path) -> Dict[str, Any]:
    """A checkpoint-like ``{"model", "config", "step"}`` from ``weights.npz``, read without
    unpickling anything (``allow_pickle=False``), so any torch can re-export it safely."""
    import numpy as np

    try:
        with np.load(str(path), allow_pickle=False) as data:
            info = json.loads(str(data["info"]))
            weights = {
                k[2:]: torch.from_numpy(np.array(data[k])) for k in data.files if k.startswith("w:")
            }
    except (OSError, ValueError, KeyError) as exc:
        raise RTKError(f"cannot read the weights ({type(exc).__name__})", path) from None
    settings = info.get("settings") or {"model_size": info.get("model_size"),
                                        "technique": info.get("technique")}
    return {"model": weights, "config": settings, "step": int(info.get("steps", 0))}


def nuke_compatibility(torch_version: str) -> str:
    """What the sidecar says about which Nuke can turn this model.pt into a .cat."""
    try:
        major, minor = (int(x) for x in torch_version.split("+")[0].split(".")[:2])
    except ValueError:
        return "unknown torch version"
    if (major, minor) <= (1, 6):
        return "Nuke 13.x and later (PyTorch 1.6 TorchScript)"
    if (major, minor) <= (1, 12):
        return "Nuke 14.0 and later (Nuke 14 uses PyTorch 1.12)"
    return (
        f"needs a Nuke whose PyTorch is {major}.{minor} or newer; for Nuke 14/15 re-export "
        "with torch==1.12.1 (`rtk train --export-only`)"
    )


def catfile_creator_script(model_pt: Path, cat_file: Path, model_id: str) -> str:
    """A complete .nk script holding one filled-in CatFileCreator node."""
    knobs = {
        "torchScriptFile": Path(model_pt).resolve().as_posix(),
        "catFile": Path(cat_file).resolve().as_posix(),
        "channelsIn": CHANNELS,
        "channelsOut": CHANNELS,
        "modelId": model_id,
    }
    node = Node("CatFileCreator", name="CatFileCreator1", knobs=knobs, inputs=[])
    return write_script(Script(nodes=[node]))


def model_from_checkpoint(state: Dict[str, Any]) -> RestorationNet:
    """Rebuild the eager network from a checkpoint (for ``--export-only``)."""
    size = state.get("config", {}).get("model_size")
    if size not in MODEL_SIZES:
        raise RTKError(f"checkpoint names an unknown model size {size!r}")
    model = build_model(size)
    model.load_state_dict(state["model"])
    return model.eval()
