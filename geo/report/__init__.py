"""The council report: a printable A4 document (PDF or HTML) of one scenario, in Dutch.

Entry point :func:`write_report`; input :class:`ReportInput`. Modules: :mod:`.model`
(inputs, data sources), :mod:`.content` (text and tables), :mod:`.spread_content` (the
spread pages: gemeenten before/after, indices, reach), :mod:`.maps` and :mod:`.charts`
(the figures, built from :mod:`.cartography` and :mod:`.style`), :mod:`.document` (HTML
template, PDF engine). Dutch words come from :mod:`geo.labels`.
"""

from geo.report.document import render_html, render_pdf, write_report
from geo.report.model import ReportInput, SourceNote, data_sources, illustrative_notes

__all__ = [
    "ReportInput",
    "SourceNote",
    "data_sources",
    "illustrative_notes",
    "render_html",
    "render_pdf",
    "write_report",
]
