"""Run a job bundle on this machine through OpenJD's own local runner (openjd-cli).

The job is created from the bundle with openjd-model exactly as a farm would create it, its
tasks (chunks) are listed, and ``N`` workers each run ``openjd run`` — one OpenJD session —
over a disjoint, interleaved share of the chunks (worker ``i`` takes chunks ``i, i+N, …``).
So what runs here is what a farm runs: the same template, the same task commands, the same
path mapping when rules are given. Progress is read from the tasks' output
(``rtk farm: chunk … done`` lines).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..core.errors import RTKError
from ..interrupts import STOP_GRACE_S, stop_process
from .bundle_files import TEMPLATE_FILE, load_bundle
from .process import stream_process
from .task import CHUNK_DONE
from .templates import create_job, task_parameter_sets


@dataclass(frozen=True)
class WorkerResult:
    """One worker (one OpenJD session): its chunks, exit status, time and error line."""

    index: int
    chunks: int
    chunks_done: int
    returncode: int
    seconds: float
    error: str


@dataclass(frozen=True)
class RunResult:
    tasks: int
    workers: List[WorkerResult]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(w.returncode == 0 for w in self.workers)


def toolkit_root() -> Path:
    """The folder that holds the ``restoration_toolkit`` package (put on PYTHONPATH locally)."""
    return Path(__file__).resolve().parents[2]


def split_tasks(tasks: List[Dict[str, str]], workers: int) -> List[List[Dict[str, str]]]:
    """Interleaved, disjoint shares: worker i gets tasks i, i+N, i+2N, …"""
    if workers < 1:
        raise RTKError(f"--workers must be at least 1, got {workers}")
    shares = [tasks[i::workers] for i in range(workers)]
    return [s for s in shares if s]


def _session_files(
    tmp: Path, values: Dict[str, Any], rules: Optional[List[Dict[str, Any]]]
) -> Tuple[Path, List[str]]:
    """The job parameters file every session reads, and the path-mapping arguments."""
    params_file = tmp / "job_params.json"
    params_file.write_text(json.dumps({k: str(v) for k, v in values.items()}), encoding="utf-8")
    if not rules:
        return params_file, []
    rules_file = tmp / "path_mapping.json"
    document = {"version": "pathmapping-1.0", "path_mapping_rules": rules}
    rules_file.write_text(json.dumps(document), encoding="utf-8")
    return params_file, ["--path-mapping-rules", f"file://{rules_file}"]


@dataclass
class _Sessions:
    """What every worker of one run shares: the job, its files, the progress count."""

    folder: Path
    step: str
    tmp: Path
    params_file: Path
    rules_arg: List[str]
    env: Dict[str, str]
    total: int
    on_progress: Optional[Callable[[int, int, str], None]]
    log_handle: Optional[Any]
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: int = 0
    procs: List[subprocess.Popen[str]] = field(default_factory=list)  # stopped when interrupted

    def argv(self, index: int, share: List[Dict[str, str]]) -> List[str]:
        """``openjd run`` of this worker's share of the tasks (one OpenJD session)."""
        tasks_file = self.tmp / f"tasks_{index}.json"
        tasks_file.write_text(json.dumps(share), encoding="utf-8")
        argv = [sys.executable, "-m", "openjd", "run", str(self.folder / TEMPLATE_FILE),
                "--job-param", f"file://{self.params_file}", "--step", self.step,
                *self.rules_arg, "--timestamp-format", "relative"]  # fmt: skip
        if share != [{}]:
            argv += ["--tasks", f"file://{tasks_file}"]
        return argv

    def stop(self, threads: List[threading.Thread]) -> None:
        """Stop every session (its whole process group) and wait for its reader thread."""
        for proc in list(self.procs):
            stop_process(proc, group=True)
        for t in threads:
            t.join(STOP_GRACE_S)

    def work(self, index: int, share: List[Dict[str, str]]) -> WorkerResult:
        t0 = time.perf_counter()
        mine = [0]

        def on_line(line: str) -> None:
            if self.log_handle is not None:
                with self.lock:
                    self.log_handle.write(f"[worker {index}] {line}\n")
            if CHUNK_DONE in line and " done: ran " in line:
                mine[0] += 1
                with self.lock:
                    self.done += 1
                    count = self.done
                if self.on_progress is not None:
                    self.on_progress(count, self.total, line[line.index(CHUNK_DONE) :].strip())

        proc = stream_process(self.argv(index, share), on_line, env=self.env, cwd=str(self.tmp),
                              group=True, started=self.procs.append)  # fmt: skip
        seconds = time.perf_counter() - t0
        return WorkerResult(index, len(share), mine[0], proc.returncode, seconds, proc.error)


def run_bundle(
    bundle_dir: Path,
    *,
    workers: int = 1,
    path_mapping_rules: Optional[List[Dict[str, Any]]] = None,
    on_progress: Optional[Callable[[int, int, str], None]] = None,
    log: Optional[Path] = None,
    env: Optional[Dict[str, str]] = None,
) -> RunResult:
    """Run every task of the bundle with ``workers`` concurrent OpenJD sessions.

    ``path_mapping_rules``: OpenJD ``pathmapping-1.0`` rules (list of dicts with
    ``source_path_format``, ``source_path``, ``destination_path``). ``log``: a file that
    receives every session's output. Returns per-worker results; does not raise when a task
    fails (the caller reports ``RunResult.ok`` / the workers' error lines).
    """
    folder = Path(bundle_dir).absolute()
    template, values = load_bundle(folder)
    job = create_job(template, values, folder)
    tasks = task_parameter_sets(job)
    shares = split_tasks(tasks, workers)
    run_env = dict(os.environ if env is None else env)
    root = str(toolkit_root())
    run_env["PYTHONPATH"] = os.pathsep.join(p for p in (root, run_env.get("PYTHONPATH", "")) if p)
    run_env.pop("RTK_PROGRESS", None)
    results: List[Optional[WorkerResult]] = [None] * len(shares)
    start = time.perf_counter()
    log_handle = open(log, "a", encoding="utf-8") if log else None
    try:
        with tempfile.TemporaryDirectory(prefix="rtk-farm-run-") as tmp:
            params_file, rules_arg = _session_files(Path(tmp), values, path_mapping_rules)
            sessions = _Sessions(folder, job.steps[0].name, Path(tmp), params_file, rules_arg,
                                 run_env, len(tasks), on_progress, log_handle)  # fmt: skip

            def work(index: int, share: List[Dict[str, str]]) -> None:
                results[index] = sessions.work(index, share)

            threads = [threading.Thread(target=work, args=(i, s), daemon=True)
                       for i, s in enumerate(shares)]  # fmt: skip
            try:
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
            except BaseException:  # interrupted: every OpenJD session stops before tmp goes
                sessions.stop(threads)
                raise
    finally:
        if log_handle is not None:
            log_handle.close()
    return RunResult(len(tasks), [r for r in results if r is not None], time.perf_counter() - start)
