"""Stand-ins for `rtk matchgrade apply GRADE SRC --out OUT --frames F` and
`rtk validate --project P --frames F` in the farm tests.

The real stage is another engineer's; the farm only needs a per-frame command with the
agreed command line that reads a source frame and writes an output frame atomically. This
one multiplies the source by the gain written in GRADE (a text file: ``gain 0.5``), writes
with core.imageio.write_image (temporary file + rename), and for the tests:
STANDIN_LEDGER (append "frame pid" after each frame is written), STANDIN_DELAY (seconds per
frame), STANDIN_FAIL_FRAME (fail on that frame with the toolkit's own error line).
"""

import argparse
import json
import os
import sys
import time

from restoration_toolkit.core.errors import RTKError
from restoration_toolkit.core.io.frames import parse_frames
from restoration_toolkit.core.io.images import read_image, write_image
from restoration_toolkit.core.io.sequence import output_sequence


def validate(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--project", required=True)
    p.add_argument("--frames", required=True)
    a = p.parse_args(argv)
    ledger = os.environ.get("STANDIN_LEDGER")
    for f in parse_frames(a.frames):
        if ledger:
            with open(ledger, "a") as h:
                h.write(f"{f} {os.getpid()}\n")
    return 0


def main(argv):
    if argv[:1] == ["validate"]:
        return validate(argv[1:])
    argv = argv[2:]  # "matchgrade apply"
    p = argparse.ArgumentParser()
    p.add_argument("grade")
    p.add_argument("source")
    p.add_argument("--out", required=True)
    p.add_argument("--frames", required=True)
    a = p.parse_args(argv)
    gain = float(open(a.grade).read().split()[1])
    frames = parse_frames(a.frames)
    src = output_sequence(a.source, frames)
    out = output_sequence(a.out, frames)
    delay = float(os.environ.get("STANDIN_DELAY", "0"))
    fail = os.environ.get("STANDIN_FAIL_FRAME")
    ledger = os.environ.get("STANDIN_LEDGER")
    for i, f in enumerate(frames):
        if fail and int(fail) == f:
            raise RTKError("stand-in stage refuses this frame", src.path(f))
        img = read_image(src.path(f))
        if delay:
            time.sleep(delay)
        write_image(out.path(f), img.pixels * gain, img.metadata, protect=[src.path(f)])
        if ledger:
            with open(ledger, "a") as h:
                h.write(f"{f} {os.getpid()}\n")
        if os.environ.get("RTK_PROGRESS") == "json":
            sys.stderr.write(
                json.dumps(
                    {
                        "progress": (i + 1) / len(frames),
                        "done": i + 1,
                        "total": len(frames),
                        "message": f"frame {f}",
                    }
                )
                + "\n"
            )
            sys.stderr.flush()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except RTKError as exc:
        print(f"rtk: error: {exc}", file=sys.stderr)
        sys.exit(1)
