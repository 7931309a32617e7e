"""Assemble the council report: HTML from a template, PDF with WeasyPrint, written atomically.

Why WeasyPrint: it is a maintained (BSD, releases several times a year) Python library that
lays out HTML and CSS for paged media itself — A4 pages, running footers with page numbers,
page breaks, a real text layer — with no browser to start and no network. It needs the Pango
text library (Debian ``libpango-1.0-0``, ``libpangoft2-1.0-0``), which Chromium's packages
pull in anyway. The alternative, headless Chromium's print-to-PDF, would add a browser
process and Playwright at run time for every report; matplotlib's PdfPages cannot flow text
and tables.

The HTML is self-contained (figures embedded as data URIs), so ``report.html`` can be mailed
or opened offline and prints to the same pages.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import jinja2

from geo._atomic import check_target, write_files
from geo._errors import PlekwijzerInputError
from geo.report import content, spread_content
from geo.report.model import ReportInput

#: File types :func:`write_report` writes.
FORMATS = (".pdf", ".html")


def _asset(name: str) -> str:
    return (resources.files("geo.report") / name).read_text(encoding="utf-8")


def render_html(report: ReportInput) -> str:
    """Render the report as one self-contained HTML document (Dutch, A4 print styles).

    Parameters
    ----------
    report
        What to show; see :class:`geo.report.model.ReportInput`.

    Returns
    -------
    str
        The HTML text.
    """
    sites = content.shortlist(report)
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = environment.from_string(_asset("template.html"))
    return template.render(
        css=_asset("report.css"),
        words=report.words,
        cover=content.cover(report),
        maps=content.maps(report, sites),
        shortlist=content.shortlist_rows(report, sites),
        skipped=content.skipped_rows(report),
        has_stability="stability" in sites.columns and sites["stability"].notna().any(),
        gemeenten=spread_content.gemeente_rows(report),
        indices=spread_content.index_rows(report),
        access=spread_content.access_text(report),
        sites=content.site_sections(report, sites),
        annex=content.annex(report),
        coverage=content.coverage_section(report),
        plan=content.plan_section(report),
        zoekgebieden=content.zoekgebieden_section(report),
    )


def html_to_pdf(html: str) -> bytes:
    """Lay out report HTML as an A4 PDF with WeasyPrint.

    Raises
    ------
    PlekwijzerInputError
        When WeasyPrint or its Pango library is missing, with the command that installs it.
    """
    try:
        import weasyprint
    except (ImportError, OSError) as err:
        msg = (
            f"kan geen PDF maken: WeasyPrint werkt hier niet ({err}). Installeer het met `pip "
            "install weasyprint` en, op Debian/Ubuntu, `apt-get install libpango-1.0-0 "
            "libpangoft2-1.0-0`; of schrijf het rapport als .html."
        )
        raise PlekwijzerInputError(msg) from err
    return weasyprint.HTML(string=html).write_pdf()


def render_pdf(report: ReportInput) -> bytes:
    """Render the report as PDF bytes (e.g. for a download button)."""
    return html_to_pdf(render_html(report))


def write_report(report: ReportInput, out_path: str | Path) -> Path:
    """Write the report to ``out_path``: a PDF for ``.pdf``, standalone HTML for ``.html``.

    The file is written atomically (:mod:`geo._atomic`): a report that fails halfway leaves
    any earlier file untouched, the file gets the mode the umask gives, and temporary files
    of an earlier run that was killed are removed.

    Parameters
    ----------
    report
        What to show.
    out_path
        The output file; its folder must exist.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    PlekwijzerInputError
        For another suffix, a missing folder, or a PDF engine that is not installed.
    """
    path = Path(out_path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        msg = f"--out {path}: geef het rapport een bestandsnaam op .pdf of .html."
        raise PlekwijzerInputError(msg)
    if not path.parent.is_dir():
        msg = f"--out {path}: map {path.parent} bestaat niet; maak die aan of kies een andere."
        raise PlekwijzerInputError(msg)
    # Refuse a read-only disk or file before the (slow) rendering, not after it.
    check_target(path)
    html = render_html(report)
    data = html_to_pdf(html) if suffix == ".pdf" else html.encode("utf-8")
    write_files({path: data})
    return path
