"""`rtk log list` keeps each entry on one readable line."""

from __future__ import annotations

from restoration_toolkit.core.experiment_log.entry import Entry
from restoration_toolkit.core.experiment_log.text_tables import entries_table


def test_a_loss_curve_is_summarised_not_printed_whole():
    curve = [round(1.0 / (i + 1), 6) for i in range(200)]
    entry = Entry(
        id="E0001",
        stage="03",
        created="2026-12-03T10:00:00+00:00",
        figures={"final_loss": 0.005, "train_seconds": 12.5, "loss_curve": curve},
    )
    header, line = entries_table([entry])
    assert "final_loss=0.005" in line and "train_seconds=12.5" in line
    assert "loss_curve=[200 values, last 0.005]" in line
    assert str(curve[100]) not in line
    assert len(line) < 140


def test_an_empty_series_and_plain_figures():
    entry = Entry(id="E0002", stage="05", created="2026-12-03T10:00:00+00:00",
                  figures={"curve": [], "dE": 2.123456})  # fmt: skip
    line = entries_table([entry])[1]
    assert "curve=[]" in line and "dE=2.123" in line
