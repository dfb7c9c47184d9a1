"""The Experiment Log panel's widgets: filter bar, entry table, detail view, action buttons.

Only layout and display here; what the buttons do is wired by ``log_panel.LogPanel``.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

from ..core.experiment_log import STAGES, VERDICTS, Entry
from ..core.io.frames import format_frames
from .qt import QtCore, QtWidgets

Qt = QtCore.Qt


def _table(headers: Sequence[str]) -> QtWidgets.QTableWidget:
    table = QtWidgets.QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    _compact_rows(table)
    return table


def _compact_rows(table: QtWidgets.QTableView) -> None:
    table.setWordWrap(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)


def fill_table(table: QtWidgets.QTableWidget, rows: Sequence[Sequence[Any]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QtWidgets.QTableWidgetItem("—" if value is None else str(value)))
    table.resizeColumnsToContents()


class LogView(QtWidgets.QWidget):
    """The widgets. Attributes are the parts the controller connects and tests drive."""

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("rtkExperimentLog")
        self._build_header()
        filters = self._build_filters()
        self._build_table()
        self._build_detail_widgets()
        self._build_detail()
        actions = self._build_actions()
        splitter = QtWidgets.QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 400])
        self.splitter = splitter

        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.location)
        layout.addWidget(self.problems)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status)

    def _build_header(self) -> None:
        """Where the log is, its problems, the status line."""
        # header: where the log is, problems, status
        self.location = QtWidgets.QLabel("")
        self.location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = QtWidgets.QLabel("")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #e06c5a;")
        self.problems.setVisible(False)
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)

    def _build_filters(self) -> QtWidgets.QHBoxLayout:
        """Stage, verdict and text filters and the refresh button."""
        # filter bar
        self.stage_filter = QtWidgets.QComboBox()
        self.stage_filter.addItem("All stages", "")
        for stage in STAGES:
            self.stage_filter.addItem(stage.replace("_", " "), stage)
        self.verdict_filter = QtWidgets.QComboBox()
        self.verdict_filter.addItem("All verdicts", "")
        for verdict in VERDICTS:
            self.verdict_filter.addItem(verdict, verdict)
        self.text_filter = QtWidgets.QLineEdit()
        self.text_filter.setPlaceholderText("Search ids, parameters, figures, notes…")
        self.refresh_button = QtWidgets.QPushButton("Refresh")
        filters = QtWidgets.QHBoxLayout()
        for w in (self.stage_filter, self.verdict_filter):
            filters.addWidget(w)
        filters.addWidget(self.text_filter, 1)
        filters.addWidget(self.refresh_button)
        return filters

    def _build_table(self) -> None:
        """The entry table."""
        # entry table
        self.table = QtWidgets.QTableView()
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        _compact_rows(self.table)

    def _build_detail_widgets(self) -> None:
        """The selected entry's tables, comparison, verdict and texts."""
        # detail
        self.title = QtWidgets.QLabel("No entry selected")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.fields = _table(("field", "value"))
        self.parameters = _table(("parameter", "value"))
        self.figures = _table(("figure", "value"))
        self.files = _table(("kind", "path", "sha256"))
        self.compare = _table(("", "name", "A", "B"))
        self.compare.setVisible(False)
        self.verdict = QtWidgets.QComboBox()
        for verdict in VERDICTS:
            self.verdict.addItem(verdict, verdict)
        self.approver = QtWidgets.QLineEdit()
        self.approver.setPlaceholderText("approved by (default: you)")
        self.observations = QtWidgets.QPlainTextEdit()
        self.next_actions = QtWidgets.QPlainTextEdit()
        self.notes = QtWidgets.QPlainTextEdit()
        for edit in (self.observations, self.next_actions, self.notes):
            edit.setTabChangesFocus(True)
        self.save_button = QtWidgets.QPushButton("Save")
        self.save_button.setToolTip("Write the verdict and the texts to notes/experiments.md")

    def _build_detail(self) -> None:
        """The detail panel: tabs of tables, then the verdict and text editor."""
        tabs = QtWidgets.QTabWidget()
        tabs.addTab(self.fields, "Fields")
        tabs.addTab(self.parameters, "Parameters")
        tabs.addTab(self.figures, "Figures")
        tabs.addTab(self.files, "Files")
        self.detail_tabs = tabs

        verdict_row = QtWidgets.QHBoxLayout()
        verdict_row.addWidget(QtWidgets.QLabel("Verdict"))
        verdict_row.addWidget(self.verdict)
        verdict_row.addWidget(self.approver, 1)
        verdict_row.addWidget(self.save_button)
        texts = QtWidgets.QTabWidget()
        texts.addTab(self.notes, "Notes")
        texts.addTab(self.observations, "Observations")
        texts.addTab(self.next_actions, "Next actions")
        editor = QtWidgets.QWidget()
        editor_layout = QtWidgets.QVBoxLayout(editor)
        editor_layout.setContentsMargins(0, 0, 0, 0)
        editor_layout.addLayout(verdict_row)
        editor_layout.addWidget(texts, 1)
        self.editor = editor

        detail = QtWidgets.QWidget()
        detail_layout = QtWidgets.QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.title)
        detail_layout.addWidget(self.compare, 1)
        detail_layout.addWidget(tabs, 1)
        detail_layout.addWidget(editor, 1)
        self.detail = detail

    def _build_actions(self) -> QtWidgets.QHBoxLayout:
        """New entry from the selected node, open the output."""
        # actions
        self.new_from_node_button = QtWidgets.QPushButton("New entry from selected node")
        self.open_output_button = QtWidgets.QPushButton("Open output")
        actions = QtWidgets.QHBoxLayout()
        actions.addWidget(self.new_from_node_button)
        actions.addWidget(self.open_output_button)
        actions.addStretch(1)
        return actions

    # -- display helpers ---------------------------------------------------------------------
    def show_problems(self, problems: List[str]) -> None:
        if problems:
            shown = "\n".join(problems[:5]) + (
                f"\n… and {len(problems) - 5} more" if len(problems) > 5 else ""
            )
            self.problems.setText(
                "The log file is damaged; shown read-only until it is repaired:\n" + shown
            )
        self.problems.setVisible(bool(problems))

    def show_entry(self, entry: Optional[Entry], *, editable: bool) -> None:
        """Fill the detail view; ``None`` clears it."""
        self.compare.setVisible(False)
        self.detail_tabs.setVisible(True)
        self.editor.setVisible(True)
        if entry is None:
            self.title.setText("No entry selected")
            for table in (self.fields, self.parameters, self.figures, self.files):
                table.setRowCount(0)
            for edit in (self.notes, self.observations, self.next_actions):
                edit.setPlainText("")
            self._set_editable(False)
            return
        self.title.setText(
            f"{entry.id} · {entry.stage.replace('_', ' ')}"
            + (f" · {entry.shot}" if entry.shot else "")
        )
        rows: List[Tuple[str, Any]] = [
            ("created", entry.created),
            ("updated", entry.updated),
            ("author", entry.author),
            ("host", entry.host),
            ("project", entry.project),
            ("shot", entry.shot),
            ("technique", entry.technique),
            ("model route", entry.model_route),
            ("frames", format_frames(entry.frames) if entry.frames else None),
            ("live area", " ".join(map(str, entry.live_area)) if entry.live_area else None),
            ("alignment", entry.alignment_path),
            ("color spaces", " → ".join(entry.color_chain) if entry.color_chain else None),
            ("verdict", entry.verdict),
            ("approved by", entry.approved_by),
        ]
        fill_table(self.fields, rows)
        fill_table(self.parameters, list(entry.parameters.items()))
        fill_table(self.figures, list(entry.figures.items()))
        fill_table(
            self.files,
            [("input", r.path, r.sha256) for r in entry.inputs]
            + [("output", r.path, None) for r in entry.outputs],
        )
        self.verdict.setCurrentIndex(self.verdict.findData(entry.verdict))
        self.approver.setText(entry.approved_by or "")
        self.notes.setPlainText(entry.notes)
        self.observations.setPlainText(entry.observations)
        self.next_actions.setPlainText(entry.next_actions)
        self._set_editable(editable)

    def show_comparison(self, a: Entry, b: Entry, rows: Sequence[Any]) -> None:
        self.title.setText(f"{a.id} compared with {b.id} (differences)")
        self.compare.setHorizontalHeaderLabels(["", "name", a.id, b.id])
        fill_table(self.compare, [(r.section, r.name, r.a, r.b) for r in rows])
        self.compare.setVisible(True)
        self.detail_tabs.setVisible(False)
        self.editor.setVisible(False)
        self._set_editable(False)

    def _set_editable(self, editable: bool) -> None:
        for w in (self.verdict, self.approver, self.save_button):
            w.setEnabled(editable)
        for edit in (self.notes, self.observations, self.next_actions):
            edit.setReadOnly(not editable)
