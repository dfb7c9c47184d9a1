"""Qt item models over the experiment log: the entry table and its stage / verdict / text filter.

The model holds ``core.experiment_log.Entry`` objects as they were read; it never writes. The
columns are fixed fields plus one per figure name (first seen first, at most
``MAX_FIGURE_COLUMNS``), so runs can be sorted by loss or ΔE2000 directly.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

from ..core.experiment_log import Entry
from ..core.experiment_log.compare import searchable_text
from .qt import QtCore

Qt = QtCore.Qt
DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole
ALIGN = Qt.ItemDataRole.TextAlignmentRole
HORIZONTAL = Qt.Orientation.Horizontal
#: Data role giving the entry id of a row (any column).
ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1
MAX_FIGURE_COLUMNS = 6

FIXED_COLUMNS: Tuple[Tuple[str, str], ...] = (
    ("id", "ID"),
    ("created", "Date (UTC)"),
    ("stage", "Stage"),
    ("shot", "Shot"),
    ("verdict", "Verdict"),
    ("model_route", "Route"),
    ("author", "Author"),
)


def _figure_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


class EntryTableModel(QtCore.QAbstractTableModel):
    """Rows = entries in file order; read-only (edits go through the panel's controller)."""

    def __init__(self, parent: Optional[QtCore.QObject] = None) -> None:
        super().__init__(parent)
        self._entries: List[Entry] = []
        self._figures: List[str] = []

    # -- content ---------------------------------------------------------------------------
    def set_entries(self, entries: Sequence[Entry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        names: List[str] = []
        for entry in self._entries:
            names += [k for k in entry.figures if k not in names]
        self._figures = names[:MAX_FIGURE_COLUMNS]
        self.endResetModel()

    def entries(self) -> List[Entry]:
        return list(self._entries)

    def entry(self, row: int) -> Entry:
        return self._entries[row]

    def row_of(self, entry_id: str) -> int:
        for row, entry in enumerate(self._entries):
            if entry.id == entry_id:
                return row
        return -1

    def column_keys(self) -> List[str]:
        return [key for key, _ in FIXED_COLUMNS] + [f"figure:{name}" for name in self._figures]

    # -- Qt model API ----------------------------------------------------------------------
    def rowCount(self, parent: Optional[QtCore.QModelIndex] = None) -> int:  # noqa: N802
        return 0 if parent is not None and parent.isValid() else len(self._entries)

    def columnCount(self, parent: Optional[QtCore.QModelIndex] = None) -> int:  # noqa: N802
        if parent is not None and parent.isValid():
            return 0
        return len(FIXED_COLUMNS) + len(self._figures)

    def headerData(self, section: int, orientation: Any, role: int = DISPLAY) -> Any:  # noqa: N802
        if orientation != HORIZONTAL or role != DISPLAY:
            return None
        if section < len(FIXED_COLUMNS):
            return FIXED_COLUMNS[section][1]
        return self._figures[section - len(FIXED_COLUMNS)]

    def data(self, index: QtCore.QModelIndex, role: int = DISPLAY) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == ID_ROLE:
            return entry.id
        key = self.column_keys()[index.column()]
        if role == DISPLAY:
            return self.display_text(entry, key)
        if role == TOOLTIP and key == "verdict" and entry.approved_by:
            return f"approved by {entry.approved_by}"
        if role == ALIGN and key.startswith("figure:"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def display_text(entry: Entry, key: str) -> str:
        if key.startswith("figure:"):
            return _figure_text(entry.figures.get(key[7:]))
        if key == "created":
            return entry.created[:16].replace("T", " ")
        value = getattr(entry, key)
        return "" if value is None else str(value)

    def sort_key(self, row: int, column: int) -> Tuple[int, Any]:
        """What sorting compares: numbers as numbers, missing values last."""
        entry = self._entries[row]
        key = self.column_keys()[column]
        if key == "id":
            return (0, entry.number)
        if key.startswith("figure:"):
            value = entry.figures.get(key[7:])
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return (0, float(value))
            return (
                (1, "")
                if value is None
                else (0, float("inf"))
                if value == "inf"
                else (1, str(value))
            )
        value = getattr(entry, key)
        return (1, "") if not value else (0, str(value).lower())


class EntryFilterProxy(QtCore.QSortFilterProxyModel):
    """Filters rows by stage, verdict and a case-insensitive text; sorts with ``sort_key``."""

    def __init__(self, parent: Optional[QtCore.QObject] = None) -> None:
        super().__init__(parent)
        self._stage = ""
        self._verdict = ""
        self._text = ""

    def set_stage(self, stage: str) -> None:
        self._refilter(lambda: setattr(self, "_stage", stage or ""))

    def set_verdict(self, verdict: str) -> None:
        self._refilter(lambda: setattr(self, "_verdict", verdict or ""))

    def set_text(self, text: str) -> None:
        self._refilter(lambda: setattr(self, "_text", (text or "").strip().lower()))

    def _refilter(self, change: Any) -> None:
        # Qt >= 6.10 replaced invalidateFilter() with begin/endFilterChange().
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            change()
            self.endFilterChange()
        else:
            change()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QtCore.QModelIndex) -> bool:  # noqa: N802
        model = self.sourceModel()
        if not isinstance(model, EntryTableModel):
            return True
        entry = model.entry(source_row)
        if self._stage and entry.stage != self._stage:
            return False
        if self._verdict and entry.verdict != self._verdict:
            return False
        return not self._text or self._text in searchable_text(entry)

    def lessThan(self, left: QtCore.QModelIndex, right: QtCore.QModelIndex) -> bool:  # noqa: N802
        model = self.sourceModel()
        a = model.sort_key(left.row(), left.column())
        b = model.sort_key(right.row(), right.column())
        return (a[0], type(a[1]).__name__, a[1]) < (b[0], type(b[1]).__name__, b[1])
