"""Temporal sync: which reference frame shows the same film frame as each scan frame.

Content-based, never timecode. The scan is film, one image per frame; the reference is a
video transfer that may be 1:1 (24 fps, or PAL 25 fps: every film frame once, 4 % fast),
NTSC 3:2 pulldown (29.97 fps: fields A A B B B C C D D D — two of every five video frames
mix two film frames), interlaced with the field phase shifted (every video frame mixed), and
edited (shots missing from either side, dropped or repeated frames).

Method: the reference is split into *fields* (two per video frame, in time order) and each
scan frame is matched to the run of consecutive fields that shows it, by a Viterbi search
(dynamic programming with a beam, :mod:`.search`) over

- a match cost: 1 − Spearman correlation between luminance thumbnails (rank-normalised, so
  any monotonic grade, log vs video encoding or brightness change costs nothing;
  :mod:`.features`);
- step costs: how many fields a film frame occupies (2 for 1:1 and PAL, alternating 2/3 for
  3:2 pulldown, 4 for a repeated frame, 1 for an orphan field at a video edit);
- a gap cost for a scan frame with no reference (dropped frames, censored shots), and a jump
  cost for a discontinuity (a shot missing from the scan, another cut), jump targets coming
  from a global nearest-neighbour search on 16×12 thumbnails.

The cadence (1:1 or 3:2) and the field order are detected first (combing measure, then the
step histogram of a first pass) and the search is re-run with that cadence's prior, so
static shots follow the cadence instead of noise (:mod:`.sequences`); the framing of the
transfer is estimated and corrected (:mod:`.framing`). A scan frame is then *clean* when
both fields of one reference frame show it (that frame is its pair), *fields* when it exists
only as fields of two mixed video frames (recoverable by weaving them, never paired as is),
or *missing*. Confidence is the similarity of its fields (0–1) (:mod:`.result`).

Pure: numpy and OpenCV; never imports nuke, Qt or torch.
"""

from __future__ import annotations

from .features import FieldAnalysis, analyse_fields, pool, rank_features
from .framing import estimate_framing, warp_thumbnails
from .result import FIELD_NAMES, FrameMatch, SyncResult, SyncSegment
from .sequences import sync_sequences
from .settings import SyncSettings

__all__ = [
    "FIELD_NAMES",
    "FieldAnalysis",
    "FrameMatch",
    "SyncResult",
    "SyncSegment",
    "SyncSettings",
    "analyse_fields",
    "estimate_framing",
    "pool",
    "rank_features",
    "sync_sequences",
    "warp_thumbnails",
]
