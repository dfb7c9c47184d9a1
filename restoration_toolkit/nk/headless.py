"""Run Nuke in terminal mode: CopyCat training and Write renders, with progress and errors.

No nuke import: Nuke is a subprocess. Training runs the way farm integrations run it,
``nuke -X <CopyCat node> -F 1 --gpu script.nk`` (a CopyCat node executes like a Write, over
one frame; CopyCat trains on Nuke render licences, so ``--nukex`` is an option, off by
default). Progress comes as ``[Step:N/M] Loss:0.0164`` lines. A line holding ``ERROR:``,
``Error :`` / ``Error:`` or ``Eddy[ERROR]`` anywhere is a failure even when Nuke exits 0 (the
patterns of AWS Deadline Cloud's CopyCat adaptor); the first becomes the one-line error.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Mapping, Optional, Sequence, Tuple

from ..core.errors import RTKError
from ..core.io.atomic import atomic_write_text
from ..core.progress import ProgressFn

NUKE_ENV = "RTK_NUKE"
STEP_LINE = re.compile(
    r"\[Step:\s*(\d+)\s*/\s*(\d+)\s*\](?:\s*Loss:\s*([-+0-9.eE]+|nan|inf))?", re.I
)
ERROR_LINE = re.compile(r"ERROR: |Error ?:|Eddy\[ERROR\]")
MODEL_GLOBS = ("Training_*.cat", "Training_*.catnc")  # .catnc: Nuke Non-Commercial
FRAME_LINE = re.compile(r"\bFrame\s+(\d+)\b")


def usual_locations(platform: str = sys.platform) -> List[str]:
    """Glob patterns where Foundry's installers put Nuke."""
    if platform.startswith("win"):
        return ["C:/Program Files/Nuke*/Nuke*.exe"]
    if platform == "darwin":
        return ["/Applications/Nuke*/Nuke*.app/Contents/MacOS/Nuke*"]
    return ["/usr/local/Nuke*/Nuke*", "/opt/Nuke*/Nuke*", "/opt/Foundry/Nuke*/Nuke*"]


def _version_key(path: str) -> Tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", Path(path).parent.name + Path(path).name))


def find_nuke(
    explicit: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    patterns: Optional[Sequence[str]] = None,
) -> Path:
    """The Nuke executable: ``explicit`` (--nuke), else $RTK_NUKE, else the newest install in
    the usual locations, else ``nuke`` on PATH. RTKError when none is usable."""
    env = os.environ if env is None else env
    for given, what in ((explicit, "--nuke"), (env.get(NUKE_ENV), f"${NUKE_ENV}")):
        if given:
            path = Path(given)
            if not path.is_file() or not os.access(path, os.X_OK):
                raise RTKError(f"{what} does not name an executable file", path)
            return path
    found = []
    for pattern in patterns if patterns is not None else usual_locations():
        found += [
            p
            for p in glob.glob(pattern)
            if os.path.isfile(p) and os.access(p, os.X_OK) and not p.endswith((".so", ".dll"))
        ]
    if found:
        return Path(max(found, key=_version_key))
    on_path = shutil.which("nuke") or shutil.which("Nuke")
    if on_path:
        return Path(on_path)
    raise RTKError(f"Nuke not found: pass --nuke PATH or set {NUKE_ENV}")


@dataclass
class NukeRun:
    """What a Nuke subprocess did."""

    command: List[str]
    returncode: int = 0
    losses: List[Tuple[int, float]] = field(default_factory=list)
    total_steps: int = 0
    steps_done: int = 0
    error: Optional[str] = None
    model: Optional[Path] = None
    frames_done: int = 0

    @property
    def final_loss(self) -> Optional[float]:
        return self.losses[-1][1] if self.losses else None


def _stream(command: List[str], on_line: Callable[[str], None]) -> int:
    try:
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            errors="replace",
        )
    except OSError as exc:
        raise RTKError(f"cannot start Nuke ({exc.strerror or exc})", command[0]) from None
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            on_line(line.rstrip("\r\n"))
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return proc.wait()


def error_text(line: str) -> Optional[str]:
    """The failure a Nuke output line reports (what follows ``ERROR:``, else the whole line),
    or None when the line reports none."""
    m = ERROR_LINE.search(line)
    if m is None:
        return None
    rest = line[m.end() :].strip() if m.group(0) == "ERROR: " else line.strip()
    return rest or line.strip()


def train(
    nuke: Path,
    script: Path,
    node: str,
    data_directory: Path,
    *,
    gpu: bool = True,
    nukex: bool = False,
    progress: Optional[ProgressFn] = None,
    echo: Optional[Callable[[str], None]] = None,
) -> NukeRun:
    """Train the CopyCat ``node`` of ``script`` headless; RTKError with Nuke's own error line.
    Writes the loss curve (``rtk_loss_curve.csv``) into the data directory."""
    command = (
        [str(nuke)]
        + (["--nukex"] if nukex else [])
        + ["-X", node, "-F", "1"]
        + (["--gpu"] if gpu else [])
        + [str(script)]
    )
    run = NukeRun(command=command)

    def on_line(line: str) -> None:
        if echo is not None:
            echo(line)
        m = STEP_LINE.search(line)
        if m:
            step, total = int(m.group(1)), int(m.group(2))
            run.steps_done, run.total_steps = step, total
            loss = float(m.group(3)) if m.group(3) else None
            if loss is not None:
                run.losses.append((step, loss))
            if progress is not None:
                progress(
                    step, total, f"step {step}/{total}" + (f" loss {loss:.4g}" if loss else "")
                )
            return
        failure = error_text(line)
        if failure and run.error is None:
            run.error = failure

    run.returncode = _stream(command, on_line)
    if run.losses:
        curve = "step,loss\n" + "".join(f"{s},{v!r}\n" for s, v in run.losses)
        atomic_write_text(data_directory / "rtk_loss_curve.csv", curve)
    if _failed(run):
        raise RTKError(
            run.error or f"Nuke exited with status {run.returncode} before training ended", script
        )
    run.model = newest_model(data_directory)
    return run


def _failed(run: NukeRun) -> bool:
    """A non-zero exit, or any error line (Nuke can print ``ERROR: CopyCat1: No valid or
    writable data directory…`` and still exit 0)."""
    return run.returncode != 0 or run.error is not None


def newest_model(data_directory: Path) -> Optional[Path]:
    """The newest ``Training_*.cat`` / ``.catnc`` CopyCat wrote (names carry date, time and
    step)."""
    cats = sorted(
        (p for pattern in MODEL_GLOBS for p in data_directory.glob(pattern)),
        key=lambda p: (p.stat().st_mtime, _version_key(str(p))),
    )
    return cats[-1] if cats else None


def render(
    nuke: Path,
    script: Path,
    node: str,
    ranges: Sequence[Tuple[int, int]],
    *,
    gpu: bool = False,
    progress: Optional[ProgressFn] = None,
    echo: Optional[Callable[[str], None]] = None,
) -> NukeRun:
    """Render the Write ``node`` chunk by chunk (``nuke -F A-B -X node script``)."""
    total = sum(b - a + 1 for a, b in ranges)
    run = NukeRun(command=[])
    done_before = 0
    for a, b in ranges:
        command = (
            [str(nuke), "-F", f"{a}-{b}", "-X", node] + (["--gpu"] if gpu else []) + [str(script)]
        )
        run.command = command
        seen: set = set()

        def on_line(
            line: str, a: int = a, b: int = b, seen: set = seen, before: int = done_before
        ) -> None:
            if echo is not None:
                echo(line)
            failure = error_text(line)
            if failure and run.error is None:
                run.error = failure
            m = FRAME_LINE.search(line)
            if m and a <= int(m.group(1)) <= b:
                seen.add(int(m.group(1)))
                if progress is not None:
                    progress(before + len(seen), total, f"frame {m.group(1)}")

        run.returncode = _stream(command, on_line)
        if _failed(run):
            raise RTKError(
                run.error or f"Nuke exited with status {run.returncode} rendering {a}-{b}", script
            )
        done_before += b - a + 1
        run.frames_done = done_before
        if progress is not None:
            progress(done_before, total, f"frames {a}-{b} done")
    return run
