"""Run Nuke in terminal mode: CopyCat training and Write renders, with progress and errors.

No nuke import: Nuke is a subprocess. Training is the documented command-line way
``nuke --nukex -F 1 -X <CopyCat node> --gpu script.nk`` (a CopyCat node executes like a
Write, over one frame); its stdout carries ``[Step:N/M] Loss:0.0164`` lines, and a failure an
``ERROR: <node>: <reason>`` line, which becomes the one-line error the user sees.
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
STEP_LINE = re.compile(r"\[Step:\s*(\d+)\s*/\s*(\d+)\s*\]\s*Loss:\s*([-+0-9.eE]+|nan|inf)", re.I)
ERROR_LINE = re.compile(r"^\s*ERROR:\s*(.+?)\s*$")
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


def train(
    nuke: Path,
    script: Path,
    node: str,
    data_directory: Path,
    *,
    gpu: bool = True,
    progress: Optional[ProgressFn] = None,
    echo: Optional[Callable[[str], None]] = None,
) -> NukeRun:
    """Train the CopyCat ``node`` of ``script`` headless; RTKError with Nuke's own error line."""
    command = (
        [str(nuke), "--nukex", "-F", "1", "-X", node] + (["--gpu"] if gpu else []) + [str(script)]
    )
    run = NukeRun(command=command)

    def on_line(line: str) -> None:
        if echo is not None:
            echo(line)
        m = STEP_LINE.search(line)
        if m:
            step, total, loss = int(m.group(1)), int(m.group(2)), float(m.group(3))
            run.losses.append((step, loss))
            run.total_steps = total
            if progress is not None:
                progress(step, total, f"step {step}/{total} loss {loss:.4g}")
            return
        e = ERROR_LINE.match(line)
        if e and run.error is None:
            run.error = e.group(1)

    run.returncode = _stream(command, on_line)
    if run.losses:
        curve = "step,loss\n" + "".join(f"{s},{v!r}\n" for s, v in run.losses)
        atomic_write_text(data_directory / "rtk_loss_curve.csv", curve)
    if _failed(run, node):
        raise RTKError(
            run.error or f"Nuke exited with status {run.returncode} before training ended", script
        )
    run.model = newest_model(data_directory)
    return run


def _failed(run: NukeRun, node: str) -> bool:
    """A non-zero exit, or an ``ERROR:`` line about the executed node (Nuke can print
    ``ERROR: CopyCat1: No valid or writable data directory…`` and still exit 0). Other
    ERROR lines with a clean exit (an unused plug-in, say) are not failures."""
    if run.returncode != 0:
        return True
    return run.error is not None and run.error.startswith(f"{node}:")


def newest_model(data_directory: Path) -> Optional[Path]:
    """The newest ``Training_*.cat`` CopyCat wrote (names carry date, time and step)."""
    cats = sorted(
        data_directory.glob("Training_*.cat"),
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
            e = ERROR_LINE.match(line)
            if e and run.error is None:
                run.error = e.group(1)
            m = FRAME_LINE.search(line)
            if m and a <= int(m.group(1)) <= b:
                seen.add(int(m.group(1)))
                if progress is not None:
                    progress(before + len(seen), total, f"frame {m.group(1)}")

        run.returncode = _stream(command, on_line)
        if _failed(run, node):
            raise RTKError(
                run.error or f"Nuke exited with status {run.returncode} rendering {a}-{b}", script
            )
        done_before += b - a + 1
        run.frames_done = done_before
        if progress is not None:
            progress(done_before, total, f"frames {a}-{b} done")
    return run
