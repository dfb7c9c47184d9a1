"""The Experiment Log panel: controller tying the log file, the models and the view together.

Runs anywhere Qt runs: in Nuke as a dockable panel (``restoration_toolkit.nuke.experiment_log``
gives it the Nuke callbacks), or as a plain window (``rtk log --gui``). It never imports
``nuke``: reading a selected node and loading a render are callbacks handed in.

- the table is sortable (click a header) and filterable by stage, verdict and text;
- the detail view shows fields, parameters, figures and files; the verdict, notes,
  observations and next actions are editable and saved with **Save** (one locked write);
- two selected entries show their differences side by side;
- the file is watched: a change on disk (another session, a farm job, a text editor)
  reloads the table; unsaved edits in the detail view are kept;
- a damaged file is shown read-only with the wrong lines named.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from ..core.errors import RTKError
from ..core.experiment_log import (
    Entry,
    ExperimentLog,
    compare_entries,
    default_author,
    log_run,
    normalize_verdict,
)
from ..core.experiment_log.entry import clean_prose, now_iso
from ..core.project_lookup import no_project_message
from .log_model import ID_ROLE, EntryFilterProxy, EntryTableModel
from .log_view import LogView
from .qt import QtCore, QtGui, QtWidgets, Signal, qt_exec

#: Returns the keyword arguments of ``log_run`` for the selected node (stage, parameters …);
#: raises RTKError with a message for the user when nothing suitable is selected.
NodeReader = Callable[[], Dict[str, Any]]
#: Opens one output (absolute path, may be a ``####`` pattern).
OutputOpener = Callable[[Path], None]
RootProvider = Callable[[], Optional[Path]]

RELOAD_DELAY_MS = 150
PROSE = ("notes", "observations", "next_actions")


def open_with_desktop(path: Path) -> None:
    """Default ``Open output`` outside Nuke: the file (or, for a frame pattern, its folder)."""
    target = path if path.exists() else path.parent
    QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(target)))


class LogPanel(QtWidgets.QWidget):
    """The panel. ``project_root`` or ``root_provider`` says which project's log to show."""

    reloaded = Signal()
    entry_saved = Signal(str)

    def __init__(
        self,
        project_root: Optional[Path] = None,
        *,
        root_provider: Optional[RootProvider] = None,
        node_reader: Optional[NodeReader] = None,
        open_output: Optional[OutputOpener] = None,
        parent: Optional[QtWidgets.QWidget] = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Experiment Log")
        self._root_provider = root_provider
        self._fixed_root = Path(project_root) if project_root is not None else None
        self._node_reader = node_reader
        self._open_output = open_output or open_with_desktop
        self.log: Optional[ExperimentLog] = None
        self.problems: List[str] = []
        self._loaded: Dict[str, Entry] = {}
        self._shown_id: Optional[str] = None
        self._dirty = False
        self._filling = False
        self._reloading = False

        self.view = LogView(self)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.model = EntryTableModel(self)
        self.proxy = EntryFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setDynamicSortFilter(True)
        self.view.table.setModel(self.proxy)
        self.view.new_from_node_button.setEnabled(node_reader is not None)

        self.watcher = QtCore.QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(self._on_disk_change)
        self.watcher.directoryChanged.connect(self._on_disk_change)
        self._reload_timer = QtCore.QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload)

        v = self.view
        v.stage_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_stage(v.stage_filter.currentData())
        )
        v.verdict_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_verdict(v.verdict_filter.currentData())
        )
        v.text_filter.textChanged.connect(self.proxy.set_text)
        v.refresh_button.clicked.connect(self.reload)
        v.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        v.save_button.clicked.connect(self.save_current)
        v.new_from_node_button.clicked.connect(self.new_entry_from_node)
        v.open_output_button.clicked.connect(self.open_selected_output)
        for edit in (v.notes, v.observations, v.next_actions):
            edit.textChanged.connect(self._mark_dirty)
        v.verdict.currentIndexChanged.connect(lambda _i: self._mark_dirty())
        v.approver.textChanged.connect(lambda _t: self._mark_dirty())
        self.reload()

    # -- loading -------------------------------------------------------------------------
    def project_root(self) -> Optional[Path]:
        if self._fixed_root is not None:
            return self._fixed_root
        return self._root_provider() if self._root_provider is not None else None

    def reload(self) -> None:
        """Re-read the log (and re-find the project when a provider is given)."""
        root = self.project_root()
        keep = self.selected_ids()
        if root is None:
            self.log = None
            self.problems = []
            self.model.set_entries([])
            self.view.location.setText(no_project_message())
            self.view.show_problems([])
            self._show(None)
            self.reloaded.emit()
            return
        self.log = ExperimentLog.for_project(root)
        try:
            result = self.log.load()
            entries, self.problems = result.entries, result.problems
        except RTKError as exc:
            entries, self.problems = [], [str(exc)]
        self._loaded = {e.id: e for e in entries}
        self.model.set_entries(entries)
        self.view.table.resizeColumnsToContents()
        self.view.location.setText(f"{self.log.path}  —  {len(entries)} entries")
        self.view.show_problems(self.problems)
        self._watch(self.log.path)
        self._reloading = True
        try:
            self._select(keep)
        finally:
            self._reloading = False
        self._on_selection(from_reload=True)
        self.reloaded.emit()

    def _watch(self, path: Path) -> None:
        # the file, its folder (the file is replaced on every write) and the project folder
        # (for a log whose notes/ folder does not exist yet)
        wanted = [str(p) for p in (path, path.parent, path.parent.parent) if p.exists()]
        current = self.watcher.files() + self.watcher.directories()
        stale = [p for p in current if p not in wanted]
        if stale:
            self.watcher.removePaths(stale)
        missing = [p for p in wanted if p not in current]
        if missing:
            self.watcher.addPaths(missing)

    def _on_disk_change(self, _path: str) -> None:
        self._reload_timer.start()

    # -- selection -----------------------------------------------------------------------
    def selected_ids(self) -> List[str]:
        rows = (
            self.view.table.selectionModel().selectedRows()
            if self.view.table.selectionModel()
            else []
        )
        return [
            str(self.proxy.data(index, ID_ROLE)) for index in sorted(rows, key=lambda i: i.row())
        ]

    def select(self, entry_id: str) -> None:
        self._select([entry_id])

    def _select(self, ids: List[str]) -> None:
        selection = self.view.table.selectionModel()
        selection.clearSelection()
        flags = (
            QtCore.QItemSelectionModel.SelectionFlag.Select
            | QtCore.QItemSelectionModel.SelectionFlag.Rows
        )
        for entry_id in ids:
            row = self.model.row_of(entry_id)
            if row < 0:
                continue
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            if index.isValid():
                selection.select(index, flags)
                self.view.table.scrollTo(index)

    def _on_selection_changed(self, *_args: Any) -> None:
        if not self._reloading:
            self._on_selection()

    def _on_selection(self, from_reload: bool = False) -> None:
        ids = self.selected_ids()
        if len(ids) == 2:
            a, b = self._loaded[ids[0]], self._loaded[ids[1]]
            self.view.show_comparison(a, b, compare_entries(a, b, only_differences=True))
            self._shown_id = None
            return
        entry = self._loaded.get(ids[0]) if len(ids) == 1 else None
        if from_reload and self._dirty and entry is not None and entry.id == self._shown_id:
            self.view.status.setText(
                f"The log changed on disk; your unsaved edits to {entry.id} are kept — "
                "Save writes them."
            )
            return
        self._show(entry)

    def _show(self, entry: Optional[Entry]) -> None:
        self._filling = True
        try:
            self.view.show_entry(entry, editable=entry is not None and not self.problems)
        finally:
            self._filling = False
        self._shown_id = entry.id if entry is not None else None
        self._dirty = False

    def _mark_dirty(self) -> None:
        if not self._filling and self._shown_id is not None:
            self._dirty = True

    # -- actions ---------------------------------------------------------------------------
    def save_current(self) -> bool:
        """Write the shown entry's verdict and texts. Returns whether it was saved."""
        if self.log is None or self._shown_id is None:
            return False
        entry_id = self._shown_id
        loaded = self._loaded[entry_id]
        v = self.view
        texts = {
            "notes": v.notes.toPlainText(),
            "observations": v.observations.toPlainText(),
            "next_actions": v.next_actions.toPlainText(),
        }
        changed = {
            k: clean_prose(t) for k, t in texts.items() if clean_prose(t) != getattr(loaded, k)
        }
        verdict = normalize_verdict(str(v.verdict.currentData()))
        approver = v.approver.text().strip() or None
        verdict_changed = verdict != loaded.verdict or (
            verdict != "open" and approver != loaded.approved_by
        )

        def apply(entry: Entry) -> None:
            for name, text in changed.items():
                if getattr(entry, name) != getattr(loaded, name):
                    raise RTKError(
                        f"the {name.replace('_', ' ')} of {entry_id} changed on disk since it was "
                        "shown here; Refresh, then edit again"
                    )
                setattr(entry, name, text)
            if verdict_changed:
                entry.verdict = verdict
                entry.approved_by = (approver or default_author()) if verdict != "open" else None
                entry.verdict_date = now_iso() if verdict != "open" else None

        if not changed and not verdict_changed:
            v.status.setText(f"{entry_id}: nothing to save")
            return False
        try:
            self.log.update(entry_id, apply)
        except RTKError as exc:
            v.status.setText(f"Not saved: {exc}")
            return False
        self._dirty = False
        v.status.setText(f"Saved {entry_id}")
        self.reload()
        self.entry_saved.emit(entry_id)
        return True

    def new_entry_from_node(self) -> Optional[str]:
        """Ask the host for the selected node's settings and log them as a new entry."""
        root = self.project_root()
        if self._node_reader is None or root is None:
            self.view.status.setText(
                "Open a restoration project first." if root is None else "Reading nodes needs Nuke."
            )
            return None
        try:
            kwargs = self._node_reader()
            entry_id = log_run(root, **kwargs)
        except RTKError as exc:
            self.view.status.setText(str(exc))
            return None
        self.reload()
        self.select(entry_id)
        self.view.status.setText(f"Added {entry_id}")
        return entry_id

    def open_selected_output(self) -> Optional[Path]:
        """Open the output chosen in the Files tab, else the shown entry's first output."""
        root = self.project_root()
        entry = self._loaded.get(self._shown_id or "")
        if entry is None or root is None or not entry.outputs:
            self.view.status.setText("Select an entry that has an output.")
            return None
        output = entry.outputs[0]
        row = self.view.files.currentRow()
        first_output_row = len(entry.inputs)
        if row >= first_output_row and row - first_output_row < len(entry.outputs):
            output = entry.outputs[row - first_output_row]
        path = Path(output.path)
        path = path if path.is_absolute() else root / path
        try:
            self._open_output(path)
        except RTKError as exc:
            self.view.status.setText(str(exc))
            return None
        return path


def run_standalone(project_root: Path, argv: Optional[List[str]] = None) -> int:
    """``rtk log --gui``: the panel as a plain window; returns the application's exit code."""
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(list(argv or sys.argv[:1]))
    panel = LogPanel(project_root)
    panel.setWindowTitle(f"Experiment Log — {project_root}")
    panel.resize(1000, 720)
    panel.show()
    return int(qt_exec(app))
