"""Reading and changing ``notes/experiments.md`` safely when many processes share it.

Every change takes an exclusive lock (``experiments.md.lock`` beside the file; see
``lock``), re-reads the file, applies the change, and replaces the file atomically
(temporary sibling + rename). Several Nuke sessions and farm jobs can therefore append at
once: nothing is lost and no id is handed out twice. A file that does not parse cleanly is
never written: the error names the first wrong line so a person can repair it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, TypeVar

from ..errors import PathLike, RTKError
from ..io.atomic import atomic_write_text
from .entry import Entry, format_entry_id, now_iso
from .lock import LockTimeout, exclusive_lock
from .markdown_format import LogDocument, default_preamble, parse_document, render_document

T = TypeVar("T")
LOCK_TIMEOUT_S = 60.0


@dataclass
class LoadResult:
    """What ``ExperimentLog.load`` found: the entries it could read and the problems."""

    entries: List[Entry]
    problems: List[str]
    path: Path

    @property
    def ok(self) -> bool:
        return not self.problems


class ExperimentLog:
    """The experiment log of one project (``<project>/notes/experiments.md``)."""

    def __init__(self, path: PathLike, project_name: str = "") -> None:
        self.path = Path(path)
        self.project_name = project_name
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    @classmethod
    def for_project(cls, project_root: PathLike, project_name: str = "") -> ExperimentLog:
        return cls(Path(project_root) / "notes" / "experiments.md", project_name)

    # -- reading -------------------------------------------------------------------------
    def read_document(self) -> LogDocument:
        """Parse the file as it is now (no lock: a reader sees one whole version, since
        writers replace the file atomically). A missing file is an empty log."""
        if not self.path.exists():
            return LogDocument(preamble=default_preamble(self.project_name))
        try:
            text = self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise RTKError(f"not UTF-8 text (byte {exc.start})", self.path) from None
        except OSError as exc:
            raise RTKError(f"cannot read: {exc.strerror}", self.path) from None
        return parse_document(text)

    def load(self) -> LoadResult:
        doc = self.read_document()
        return LoadResult(doc.entries, [str(p) for p in doc.problems], self.path)

    def entries(self) -> List[Entry]:
        return self.read_document().entries

    def get(self, entry_id: str) -> Entry:
        doc = self.read_document()
        entry = doc.find(entry_id)
        if entry is None:
            raise RTKError(f"no entry {entry_id} in the experiment log", self.path)
        return entry

    # -- changing ------------------------------------------------------------------------
    def change(self, edit: Callable[[LogDocument], T]) -> T:
        """Run ``edit`` on the current document under the lock and write the result.

        Refuses (RTKError naming the line) when the file is damaged; writes nothing when
        ``edit`` raises.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with exclusive_lock(self.lock_path, LOCK_TIMEOUT_S):
                doc = self.read_document()
                if doc.problems:
                    first = doc.problems[0]
                    more = f" (and {len(doc.problems) - 1} more)" if len(doc.problems) > 1 else ""
                    raise RTKError(
                        f"the experiment log is damaged at {first}{more}; repair it by hand — "
                        "rtk will not write to it until it reads cleanly",
                        self.path,
                    )
                result = edit(doc)
                atomic_write_text(self.path, render_document(doc))
                return result
        except LockTimeout:
            raise RTKError(
                f"another process has held the experiment log lock for {LOCK_TIMEOUT_S:.0f} s "
                f"(lock file {self.lock_path.name})",
                self.path,
            ) from None

    def add(self, entry: Entry) -> Entry:
        """Append ``entry`` with the next free id (its own id is ignored); return it."""

        def edit(doc: LogDocument) -> Entry:
            numbers = [e.number for e in doc.entries]
            entry.id = format_entry_id(max(numbers, default=0) + 1)
            doc.entries.append(entry)
            return entry

        return self.change(edit)

    def update(self, entry_id: str, apply: Callable[[Entry], None]) -> Entry:
        """Change one entry in place (``apply`` mutates it); stamps ``updated``."""

        def edit(doc: LogDocument) -> Entry:
            entry = doc.find(entry_id)
            if entry is None:
                raise RTKError(f"no entry {entry_id} in the experiment log", self.path)
            apply(entry)
            entry.updated = now_iso()
            return entry

        return self.change(edit)

    def set_verdict(self, entry_id: str, verdict: str, approved_by: Optional[str] = None) -> Entry:
        from .entry import normalize_verdict

        value = normalize_verdict(verdict)

        def apply(entry: Entry) -> None:
            entry.verdict = value
            entry.approved_by = (approved_by or default_author()) if value != "open" else None
            entry.verdict_date = now_iso() if value != "open" else None

        return self.update(entry_id, apply)

    def set_prose(
        self,
        entry_id: str,
        *,
        notes: Optional[str] = None,
        observations: Optional[str] = None,
        next_actions: Optional[str] = None,
    ) -> Entry:
        from .entry import clean_prose

        def apply(entry: Entry) -> None:
            if notes is not None:
                entry.notes = clean_prose(notes)
            if observations is not None:
                entry.observations = clean_prose(observations)
            if next_actions is not None:
                entry.next_actions = clean_prose(next_actions)

        return self.update(entry_id, apply)


def check_log_writable(project_root: PathLike) -> None:
    """RTKError when the project's experiment log is damaged (it would be refused at the end
    of a stage) or its folder cannot be written; called before a stage starts its work."""
    log = ExperimentLog.for_project(project_root)
    doc = log.read_document()
    if doc.problems:
        more = f" (and {len(doc.problems) - 1} more)" if len(doc.problems) > 1 else ""
        raise RTKError(
            f"the experiment log is damaged at {doc.problems[0]}{more}; repair it by hand "
            "(or run with --no-log) — nothing was run",
            log.path,
        )
    folder = log.path.parent
    probe = log.path if log.path.exists() else folder if folder.exists() else folder.parent
    if probe.exists() and not os.access(probe, os.W_OK):
        raise RTKError(
            "the experiment log cannot be written (permissions) — nothing was run", probe
        )


def default_author() -> str:
    """``RTK_AUTHOR`` when set, else the login name."""
    name = os.environ.get("RTK_AUTHOR", "").strip()
    if name:
        return name
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # no login name (some farm containers)
        return "unknown"
