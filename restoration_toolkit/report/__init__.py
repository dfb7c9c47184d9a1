"""Reports a person opens: the stage 05 validation report (HTML + JSON + pictures).

Kept out of ``core`` because it draws with matplotlib; the figures themselves come from
``restoration_toolkit.core.validation.evaluate``.
"""

from .validation_report import ReportOutcome, build_report, build_report_from_inputs, record_signoff

__all__ = ["ReportOutcome", "build_report", "build_report_from_inputs", "record_signoff"]
