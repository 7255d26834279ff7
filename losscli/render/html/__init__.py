"""The HTML report (``-f html``, ``-o report.html``): one self-contained page a reviewer
opens offline: what was run, the verdict, the table (sortable), a bar chart per loss, the
paired comparisons with a forest plot per loss, and every note and warning.

Charts are inline SVG written by :mod:`.svg` (no plotting library); the page's style and
its one small script are inline (:mod:`.page`); its sections are listed in
:data:`.sections.SECTIONS`.
"""

from __future__ import annotations

from ...result import EvaluationResult
from ..formats import Display
from . import sections
from .page import page
from .svg import esc
from .tables import Notes


def render_html(result: EvaluationResult, display: Display) -> str:
    """The report as one HTML document."""
    notes: Notes = {}
    body = [section(result, display, notes) for section in sections.SECTIONS]
    body.append(sections.notes_section(result, display, notes))
    title = f"losscli report: {', '.join(result.files)}"
    heading = f"<header><h1>{esc(title)}</h1></header>"
    return page(title, heading + "\n<main>\n" + "\n".join(b for b in body if b) + "\n</main>")
