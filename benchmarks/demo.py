"""How long `rtk demo` takes, step by step: runs the demo in a fresh folder (or reads the
``demo_timings.json`` an earlier run wrote there) and writes docs/benchmarks/demo.json + .md.

    python benchmarks/demo.py                # run the demo in a temporary folder, then report
    python benchmarks/demo.py --from rtk-demo  # report the timings a `rtk demo` run wrote

The seconds are measured by the demo run itself (``stages/demo.py``); the load average at
the end of the run is recorded with them, because on a shared machine it dominates.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import machine, machine_line, write_results  # noqa: E402


def _markdown(data: Dict[str, Any]) -> str:
    t = data["timings"]
    rows = "\n".join(f"| {step} | {seconds} |" for step, seconds in t["seconds"].items())
    load = t["machine"].get("load_average_1_5_15")
    return (
        "# `rtk demo`: seconds per step\n\n"
        "The whole workflow on the demo film (24-frame full-aperture scan, interlaced MPEG-2 "
        "DVD reference), as measured by the demo run itself (`demo_timings.json`).\n\n"
        f"{machine_line(data['machine'])} Load average during the demo's last minute: {load}.\n\n"
        "| step | seconds |\n|---|---|\n"
        f"{rows}\n| **total** | **{t['total_seconds']}** |\n\n"
        + (f"Failed: {', '.join(t['failed'])}.\n" if t["failed"] else "Every step succeeded.\n")
    )


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--from", dest="source", help="a demo folder whose demo_timings.json to report"
    )
    args = parser.parse_args(argv)
    if args.source:
        folder = Path(args.source)
    else:
        folder = Path(tempfile.mkdtemp(prefix="rtk-demo-bench-")) / "demo"
        out = subprocess.run([sys.executable, "-m", "restoration_toolkit", "demo", str(folder)])
        if out.returncode != 0:
            print(f"the demo failed (exit {out.returncode}); its timings are still reported")
    timings = json.loads((folder / "demo_timings.json").read_text(encoding="utf-8"))
    data = {"machine": machine(), "timings": timings}
    path = write_results("demo", data, _markdown(data))
    print(_markdown(data))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
