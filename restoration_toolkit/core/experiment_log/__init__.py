"""The experiment log: ``notes/experiments.md``, kept by the toolkit and edited by people.

- ``entry``: the ``Entry`` model (fields, stages, verdicts);
- ``markdown_format``: Markdown ↔ entries (one section + one ``rtk-entry`` JSON block each);
- ``store``: ``ExperimentLog`` — locked, atomic changes; refuses to write a damaged file;
- ``record``: ``log_run(project_root, stage=…, …) -> id``, the call every stage makes;
- ``compare``: ``compare_entries``, ``filter_entries``.
"""

from .compare import Difference, compare_entries, filter_entries
from .entry import (
    STAGES,
    VERDICTS,
    Entry,
    FileRef,
    normalize_stage,
    normalize_verdict,
)
from .markdown_format import LogDocument, LogProblem, parse_document, render_document, render_entry
from .record import file_ref, log_run
from .store import ExperimentLog, LoadResult, default_author

__all__ = [
    "STAGES",
    "VERDICTS",
    "Entry",
    "FileRef",
    "normalize_stage",
    "normalize_verdict",
    "LogDocument",
    "LogProblem",
    "parse_document",
    "render_document",
    "render_entry",
    "log_run",
    "file_ref",
    "ExperimentLog",
    "LoadResult",
    "default_author",
    "Difference",
    "compare_entries",
    "filter_entries",
]
