"""The report's page: one HTML document, its stylesheet and its one small script inline.

Nothing is fetched: a Content-Security-Policy allows no source but the page's own inline
style and script (and ``data:`` images), so even a text from the data that slipped
through as markup could load nothing. The page reads without JavaScript; the script
only makes the tables sortable (a button in each header cell, added on load).
"""

from __future__ import annotations

from .svg import esc

POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

STYLE = """
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --bg: #ffffff;
  --line: #d0d7de; --head: #f6f8fa; --s0: #0969da; --s1: #bf8700; --s2: #8250df;
  --s3: #1a7f37; --s4: #cf222e; --s5: #57606a; --better: #1a7f37; --worse: #cf222e;
  --same: #6e7781; --pass: #1a7f37; --fail: #cf222e; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --line: #30363d; --head: #161b22;
    --s0: #4493f8; --s1: #d29922; --s2: #ab7df8; --s3: #3fb950; --s4: #f85149; --s5: #9198a1;
    --better: #3fb950; --worse: #f85149; --same: #9198a1; --pass: #3fb950; --fail: #f85149; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 72rem; padding: 1rem; color: var(--fg);
  background: var(--bg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
  overflow-wrap: anywhere; }
h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
code, .cmd { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; }
.cmd { display: block; padding: .5rem; background: var(--head); border-radius: 4px;
  white-space: pre-wrap; }
.muted, .note { color: var(--muted); }
dl.inputs { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.inputs dt { font-weight: 600; }
dl.inputs dd { margin: 0; min-width: 0; }
.verdict { padding: .6rem .8rem; border-radius: 6px; border: 2px solid; font-weight: 600; }
.verdict.pass { border-color: var(--pass); }
.verdict.fail { border-color: var(--fail); }
.verdict ul { font-weight: normal; margin: .3rem 0 0; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: .25rem .5rem; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; overflow-wrap: normal; }
th { background: var(--head); white-space: nowrap; }
td[data-v] { text-align: right; white-space: nowrap; }
tr.overall td { font-weight: 700; }
tr.chosen td { font-weight: 700; background: var(--head); }
td.best { font-weight: 700; text-decoration: underline; }
td.failed { color: var(--fail); font-weight: 700; }
td.better { color: var(--better); } td.worse { color: var(--worse); }
button.sort { font: inherit; font-weight: 700; color: inherit; background: none; border: 0;
  padding: 0; cursor: pointer; }
th[aria-sort=ascending] button.sort::after { content: " \\25B2"; }
th[aria-sort=descending] button.sort::after { content: " \\25BC"; }
figure { margin: 1rem 0; min-width: 0; }
figcaption { font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: .2rem 1rem; margin: .2rem 0; }
.key { display: inline-block; width: .8em; height: .8em; margin-right: .3em; }
svg.chart { max-width: 100%; min-width: 34rem; height: auto; display: block; font-size: 12px; }
svg.chart text { fill: var(--fg); }
svg.chart text.value, svg.chart text.tick { fill: var(--muted); }
svg.chart .axis, svg.chart .whisker { stroke: var(--fg); fill: none; stroke-width: 1.2; }
svg.chart .zero { stroke: var(--muted); stroke-dasharray: 3 3; }
.s0 { fill: var(--s0); background: var(--s0); } .s1 { fill: var(--s1); background: var(--s1); }
.s2 { fill: var(--s2); background: var(--s2); } .s3 { fill: var(--s3); background: var(--s3); }
.s4 { fill: var(--s4); background: var(--s4); } .s5 { fill: var(--s5); background: var(--s5); }
svg.forest circle.better { fill: var(--better); } svg.forest circle.worse { fill: var(--worse); }
svg.forest circle.indistinguishable { fill: var(--same); }
svg.forest .whisker.better { stroke: var(--better); }
svg.forest .whisker.worse { stroke: var(--worse); }
svg.forest text.better { fill: var(--better); } svg.forest text.worse { fill: var(--worse); }
ol.notes, ul.notes { padding-left: 1.4rem; }
svg.xy { min-width: 15rem; max-width: 26rem; }
svg.chart .diagonal, svg.chart .mean-line { stroke: var(--muted); stroke-dasharray: 4 3;
  fill: none; }
svg.chart .curve { fill: none; stroke-width: 1.8; }
svg.reliability circle { pointer-events: none; } /* the bar beneath has the tooltip */
svg.chart .bin { fill: var(--line); } svg.chart rect.s0.bin { fill: var(--s0); }
svg.chart .quantile { stroke: var(--fg); stroke-width: 1; }
svg.chart text.count, svg.chart text.axis-title { fill: var(--muted); font-size: 10px; }
.plots { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; }
.plot, .plots > figure { flex: 1 1 15rem; max-width: 26rem; min-width: 0; }
.plots > figure { margin: .5rem 0; }
svg.confusion { min-width: 0; } svg.confusion rect.cell { fill: var(--s0); }
svg.confusion text.cell { fill: var(--fg); font-size: 11px; pointer-events: none; }
svg.confusion text.cell.strong { fill: var(--bg); }
.l0 { stroke: var(--s0); } .l1 { stroke: var(--s1); } .l2 { stroke: var(--s2); }
.l3 { stroke: var(--s3); } .l4 { stroke: var(--s4); } .l5 { stroke: var(--s5); }
@media print {
  :root { color-scheme: light; --fg: #000000; --bg: #ffffff; --muted: #444c56; --line: #8c959f;
    --head: #ffffff; }
  body { max-width: none; font-size: 10pt; }
  .scroll { overflow: visible; }
  th { background: none; }
  figure, .verdict { break-inside: avoid; }
  h2 { break-after: avoid; }
}
"""

# Sorts a table by the column whose header is clicked: numbers (``data-v``) by value,
# other cells by their text, missing values last; a second click reverses.
SCRIPT = """
(function () {
  "use strict";
  function key(cell) {
    var v = cell.getAttribute("data-v");
    if (v !== null) { return v === "" ? null : parseFloat(v); }
    var t = cell.textContent.trim();
    return t === "" ? null : t;
  }
  function compare(a, b) {
    if (a === null || b === null) { return a === b ? 0 : (a === null ? 1 : -1); }
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    return String(a).localeCompare(String(b), undefined, {numeric: true});
  }
  function sortBy(table, column, th) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (row, i) { return [key(row.cells[column]), i, row]; });
    keyed.sort(function (a, b) {
      var c = compare(a[0], b[0]);
      if (a[0] !== null && b[0] !== null && !ascending) { c = -c; }
      return c || a[1] - b[1];
    });
    keyed.forEach(function (k) { body.appendChild(k[2]); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.title = "sort by this column";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, column, th); });
    });
  });
})();
"""


def page(title: str, body: str) -> str:
    """The whole document: ``body`` is markup already (its texts escaped)."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"{body}\n<script>{SCRIPT}</script>\n</body></html>\n"
    )
