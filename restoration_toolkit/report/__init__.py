"""Reports a person opens: the stage 05 validation report (HTML + JSON + pictures).

``validation_report`` writes the folder, ``report_json`` the document, ``plots`` the
pictures (matplotlib), ``html`` the page from the Jinja2 template files in ``templates/``.
Kept out of ``core`` because it draws; the figures come from
:mod:`restoration_toolkit.core.validation.evaluate`, and the stage that runs it all is
:mod:`restoration_toolkit.stages.validation`.
"""

from .validation_report import ReportFiles, add_signoff, load_report, report_dir, write_report

__all__ = ["ReportFiles", "add_signoff", "load_report", "report_dir", "write_report"]
