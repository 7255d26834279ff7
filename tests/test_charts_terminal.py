"""--chart as a person sees it: the bar chart or forest plot after the table, on a terminal."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from chart_support import AWKWARD, awkward_result, mermaid_blocks, regions_csv
from conftest import losscli_process, on_a_terminal
from rich.cells import set_cell_size

from losscli.render.charts.marks import UNICODE, fitted
from losscli.render.formats import FORMATS, Display
from losscli.render.literal import visible
from losscli.render.numbers import format_number

ARGS = ("-p", "new", "-p", "old", "-g", "region", "-m", "mse")

BARS_UTF8 = """\
mse per group (groups by new's mse, worst first; ├─┤ 95% interval)
south    new  ███████│████▋─────┤ 3.7751
         old  ██████│█████▎────┤ 3.6549
west     new  ████│█▉──┤ 2.0677
         old  ███│██──┤ 1.7890
north    new  █│█▌┤ 1.0357
         old  █████████████████████│█████████████▌─────────────┤ 10.591
east     new  │┤ 0.28157
         old  █│██▏─┤ 1.2286

overall  new  ████│█─┤ 1.7900
         old  ██████████│███▌───┤ 4.3159
"""

BARS_ASCII = """\
mse per group (groups by new's mse, worst first; |-| 95% interval)
south    new  #######|#####-----| 3.7751
         old  ######|#####-----| 3.6549
west     new  ####|##--| 2.0677
         old  ###|##--| 1.7890
north    new  #|#-| 1.0357
         old  #####################|##############-------------| 10.591
east     new  || 0.28157
         old  #|##--| 1.2286

overall  new  ####|#-| 1.7900
         old  ##########|###----| 4.3159
"""

FOREST_UTF8 = """\
Δ mse: old − new (groups by new's mse, worst first; ├─┤ interval)
● better/worse (Holm-adjusted), ○ indistinguishable; lower mse is better
south    ├──○┼──┤                     -0.12018 [-2.3869, +2.1465]
west      ├─○┼┤                       -0.27872 [-1.4441, +0.88667]
north        │        ├──────●──────┤ +9.5553 [+5.2415, +13.869]   worse
east         ├●┤                      +0.94699 [+0.25578, +1.6382] worse
             │
overall      │ ├─●─┤                  +2.5258 [+1.1456, +3.9061]   worse
             0                +13.869
"""

FOREST_ASCII = """\
delta mse: old - new (groups by new's mse, worst first; |-| interval)
* better/worse (Holm-adjusted), o indistinguishable; lower mse is better
south    |--o+--|                     -0.12018 [-2.3869, +2.1465]
west      |-o+|                       -0.27872 [-1.4441, +0.88667]
north        :        |------*------| +9.5553 [+5.2415, +13.869]   worse
east         |*|                      +0.94699 [+0.25578, +1.6382] worse
             :
overall      : |-*-|                  +2.5258 [+1.1456, +3.9061]   worse
             0                +13.869
"""


def chart_of(shown: str, title: str) -> str:
    """What a run showed from the chart's title on."""
    return shown[shown.index(title) :]


def terminal(path: Path, *args: str, **options: Any) -> str:
    code, shown = on_a_terminal(
        "evaluate", str(path), *ARGS, *args, columns=72, term="xterm", **options
    )
    assert code == 0, shown
    return shown


def test_chart_draws_eighth_block_bars_with_whiskers_after_the_table(tmp_path: Path) -> None:
    shown = terminal(regions_csv(tmp_path), "--ci", "--chart")
    assert shown.index("[low, high]") < shown.index("mse per group")  # after the table
    assert chart_of(shown, "mse per group") == BARS_UTF8


def test_chart_is_ascii_where_the_terminal_is_not_utf8(tmp_path: Path) -> None:
    shown = terminal(regions_csv(tmp_path), "--ci", "--chart", env={"PYTHONIOENCODING": "ascii"})
    assert chart_of(shown, "mse per group") == BARS_ASCII


def test_chart_with_compare_is_a_forest_plot_marking_significant_groups(tmp_path: Path) -> None:
    shown = terminal(regions_csv(tmp_path), "--compare", "--chart")
    assert "mse per group" not in shown
    assert chart_of(shown, "Δ mse: old − new") == FOREST_UTF8
    ascii_shown = terminal(
        regions_csv(tmp_path), "--compare", "--chart", env={"PYTHONIOENCODING": "ascii"}
    )
    assert chart_of(ascii_shown, "delta mse: old - new") == FOREST_ASCII


COLOUR = re.compile(r"\x1b\[[0-9;]*3[0-9]m")  # a foreground colour (3x, 38;5;n)


def test_chart_has_colour_only_on_a_terminal_without_no_color(tmp_path: Path) -> None:
    path = regions_csv(tmp_path)
    coloured = terminal(path, "--ci", "--chart", styles=True)
    assert COLOUR.search(chart_of(coloured, "mse per group"))
    plain = terminal(path, "--chart", "--ci", styles=True, env={"NO_COLOR": "1"})
    assert not COLOUR.search(plain)
    piped = losscli_process("evaluate", str(path), *ARGS, "--ci", "-f", "table", "--chart")
    assert piped.returncode == 0 and "\x1b" not in piped.stdout
    assert "mse per group" in piped.stdout


def chart_rows(shown: str) -> list[tuple[str, str, str]]:
    """(group, model, value) of each bar of a chart with two models, as shown."""
    rows, group = [], ""
    for line in chart_of(shown, "mse per group").splitlines()[1:]:
        match = re.match(r"^(\S*)\s+(new|old)\s.*\s(\S+)$", line)
        if match:
            group = match[1] or group
            rows.append((group, match[2], match[3]))
    return rows


def table_groups(shown: str, title: str) -> list[str]:
    """The groups of the table before the chart titled ``title``, in order: the first
    column of the wide layout's rows, the group of the long layout's rows of ``new``."""
    table = shown[: shown.index(title)]
    if re.search(r"^\s+pred\s", table, flags=re.MULTILINE):  # the long layout
        return re.findall(r"^\s+new\s+(\w+)\s", table, flags=re.MULTILINE)
    return re.findall(r"^  (\w+)\s+\d+\s", table, flags=re.MULTILINE)


def test_chart_orders_groups_as_the_tables_sort_by_and_follows_top(tmp_path: Path) -> None:
    path = regions_csv(tmp_path)
    for layout in ("wide", "long"):
        shown = terminal(
            path, "-m", "mae", "--sort-by", "mae", "--top", "3", "--layout", layout, "--chart=mse"
        )
        table_order = table_groups(shown, "mse per group")
        assert [g for g, model, _ in chart_rows(shown) if model == "new"] == table_order
        assert table_order[-1] == "overall" and len(table_order) == 4  # the 3 worst, overall


def roomy(path: Path, *args: str) -> str:
    """What a run showed on a terminal 120 columns wide: the wide table on one line a row."""
    code, shown = on_a_terminal("evaluate", str(path), *ARGS, *args, columns=120, term="xterm")
    assert code == 0, shown
    return shown


def test_chart_orders_groups_as_the_wide_table_with_the_reference_not_first(
    tmp_path: Path,
) -> None:
    path = regions_csv(tmp_path)
    for sort_by, first in (("mse", "north"), ("delta:mse", "west")):  # by old's mse, by Δ
        shown = roomy(path, "--reference", "old", "--sort-by", sort_by, "--chart")
        title = "Δ mse: new − old"
        forest = [line.split()[0] for line in chart_of(shown, title).splitlines()[2:-1]]
        groups = [g for g in forest if g != "│"]
        assert groups == table_groups(shown, title) and groups[0] == first


def forest_differences(forest: str) -> dict[str, tuple[list[float], str]]:
    """Per group of a forest plot: Δ, low and high as shown, and the verdict."""
    found = {}
    for line in forest.splitlines():
        match = re.match(r"^(\w+)\s.*\s([+-]\S+) \[(\S+), (\S+)\](?:\s+(\w+))?$", line)
        if match:
            found[match[1]] = ([float(v) for v in match.group(2, 3, 4)], match[5] or "")
    return found


def test_forest_plot_shows_the_wide_tables_differences_and_verdicts(tmp_path: Path) -> None:
    args = ("--reference", "old", "--sort-by", "delta:mse")
    shown = roomy(regions_csv(tmp_path), *args, "--chart")
    run = losscli_process("evaluate", str(regions_csv(tmp_path)), *ARGS, *args, "-f", "json")
    compared = {
        (c["group"] or {"region": "overall"})["region"]: c
        for c in json.loads(run.stdout)["comparisons"]
    }
    title = "Δ mse: new − old"
    forest = forest_differences(chart_of(shown, title))
    table = {}  # group: (Δ, low, high, the mark of new's value)
    for line in shown[: shown.index(title)].splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 5 and cells[1].isdigit():  # region, n, new, old, Δ
            delta = re.match(r"(\S+) \[(\S+), (\S+)\]$", cells[4])
            assert delta is not None, line
            mark = {"▲": "better", "▼": "worse"}.get(cells[2][-1], "indistinguishable")
            table[cells[0]] = ([float(v) for v in delta.groups()], mark)
    assert list(forest) == list(table) == ["west", "south", "east", "north", "overall"]
    for group, (numbers, verdict) in forest.items():
        record = compared[group]
        rounded = [float(f"{record[k]:.5g}") for k in ("delta", "low", "high")]
        assert numbers == table[group][0] == rounded
        assert (verdict or "indistinguishable") == table[group][1] == record["verdict"]
    assert {v for _, v in forest.values()} == {"", "better"}  # both kinds are shown


def test_chart_values_equal_the_json_results(tmp_path: Path) -> None:
    path = regions_csv(tmp_path)
    shown = terminal(path, "--chart")
    run = losscli_process("evaluate", str(path), *ARGS, "-f", "json")
    document = json.loads(run.stdout)
    values = {
        ((row["group"] or {"region": "overall"})["region"], row["pred"]): row["metrics"]["mse"]
        for row in document["rows"]
    }
    rows = chart_rows(shown)
    assert len(rows) == len(values) == 10
    for group, model, text in rows:
        assert text == format_number(values[(group, model)], 5)


def test_chart_follows_max_rows_and_says_how_many_groups_it_left_out(tmp_path: Path) -> None:
    shown = terminal(regions_csv(tmp_path), "--max-rows", "2", "--chart")
    assert [g for g, m, _ in chart_rows(shown) if m == "new"] == ["south", "west", "overall"]
    assert "… 2 more groups: --max-rows 0 draws all" in shown


def test_chart_option_never_takes_a_file_name_for_the_loss(tmp_path: Path) -> None:
    path = regions_csv(tmp_path)
    run = losscli_process("evaluate", "--chart", str(path), *ARGS)
    assert run.returncode == 2
    assert "is not a loss; --chart takes a loss: write '--chart=mse'" in run.stderr
    after = losscli_process("evaluate", str(path), *ARGS, "-f", "table", "--chart")
    assert after.returncode == 0 and "mse per group" in after.stdout


def test_chart_with_no_chart_is_a_usage_error_unless_a_config_file_gave_one(
    tmp_path: Path,
) -> None:
    path = regions_csv(tmp_path)
    both = losscli_process("evaluate", str(path), *ARGS, "-f", "markdown", "--chart", "--no-chart")
    assert both.returncode == 2 and both.stdout == ""
    assert "--chart draws a chart and --no-chart leaves the charts out" in both.stderr
    (tmp_path / "losscli.toml").write_text("no-chart = true\n", encoding="utf-8")
    told = losscli_process("evaluate", str(path), *ARGS, "-f", "markdown", "--chart", cwd=tmp_path)
    assert told.returncode == 0 and "```mermaid" in told.stdout  # the command line's wins
    quiet = losscli_process("evaluate", str(path), *ARGS, "-f", "markdown", cwd=tmp_path)
    assert quiet.returncode == 0 and "```mermaid" not in quiet.stdout


def test_chart_of_a_loss_not_shown_adds_it(tmp_path: Path) -> None:
    run = losscli_process(
        "evaluate", str(regions_csv(tmp_path)), *ARGS, "-f", "table", "--chart=mae"
    )
    assert run.returncode == 0 and "mae per group" in run.stdout and "mae ↓" in run.stdout


def test_chart_for_a_format_without_charts_is_a_warning(tmp_path: Path) -> None:
    run = losscli_process("evaluate", str(regions_csv(tmp_path)), *ARGS, "-f", "csv", "--chart")
    assert run.returncode == 0
    assert "--chart: CSV has no chart; the table and markdown draw one" in run.stderr


def test_chart_of_a_loss_not_shown_leaves_the_data_formats_output_unchanged(
    tmp_path: Path,
) -> None:
    path = str(regions_csv(tmp_path))
    for fmt in ("csv", "json"):
        plain = losscli_process("evaluate", path, *ARGS, "-f", fmt)
        charted = losscli_process("evaluate", path, *ARGS, "-f", fmt, "--chart=mae")
        assert charted.returncode == 0 and "has no chart" in charted.stderr
        assert charted.stdout == plain.stdout and "mae" not in charted.stdout


SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "model_comparison.csv"
DONE_WHEN = ("-p", "gbm", "-p", "baseline", "-g", "segment", "--compare", "--ci")


def test_terminal_and_markdown_charts_show_the_same_groups_in_order_and_values() -> None:
    code, shown = on_a_terminal(
        "evaluate", str(SAMPLE), *DONE_WHEN, "--chart", columns=80, term="xterm"
    )
    assert code == 0, shown
    markdown = losscli_process("evaluate", str(SAMPLE), *DONE_WHEN, "-f", "markdown").stdout
    document = json.loads(losscli_process("evaluate", str(SAMPLE), *DONE_WHEN, "-f", "json").stdout)
    # the terminal's forest plot is markdown's, line for line
    forest = chart_of(shown, "Δ mse: baseline − gbm").rstrip("\n")
    assert f"```text\n{forest}\n```" in markdown
    rows = [line.split()[0] for line in forest.splitlines()[2:-1] if line.split()[0] != "│"]
    # markdown's Mermaid charts: the groups in the forest plot's order, each model's values
    for block in mermaid_blocks(markdown)[:2]:
        model = re.search(r'title "mse#58; (\w+)', block)
        labels = re.search(r"x-axis \S+ \[(.*)\]", block)
        values = re.search(r"bar \[(.*)\]", block)
        assert model and labels and values
        groups = [label.strip('"') for label in labels[1].split(", ")]
        assert groups == rows == ["villa", "house", "apartment", "overall"]
        expected = {
            (row["group"] or {"segment": "overall"})["segment"]: row["metrics"]["mse"]
            for row in document["rows"]
            if row["pred"] == model[1]
        }
        assert [float(v) for v in values[1].split(", ")] == [expected[g] for g in groups]
    # the forest plot's differences: the JSON comparisons', as the table rounds them
    deltas = {
        (c["group"] or {"segment": "overall"})["segment"]: c["delta"]
        for c in document["comparisons"]
        if c["loss"] == "mse"
    }
    matches = [re.match(r"^(\w+)\s.*\s([+-][\d.e+-]+) \[", line) for line in forest.splitlines()]
    shown_deltas = {m[1]: float(m[2]) for m in matches if m}
    assert shown_deltas == {group: float(f"{delta:.5g}") for group, delta in deltas.items()}
    assert forest.count(" worse") == 4  # baseline is worse than gbm in every group


def test_readme_chart_examples_are_what_losscli_draws() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    found = re.search(
        r"```text\n(\$ losscli evaluate sample_data/model_comparison.*?)```", readme, re.S
    )
    assert found is not None
    examples = re.findall(r"^\$ ([^\n]*)\n…\n(.*?)(?=^\$ |\Z)", found[1], re.M | re.S)
    assert len(examples) == 2
    for command, example in examples:
        args = command.split()[1:]
        code, shown = on_a_terminal(*args, columns=80, term="xterm")
        assert code == 0, shown
        title = example.splitlines()[0]
        assert chart_of(shown, title) == example


def test_each_file_gets_its_own_chart_under_its_name(tmp_path: Path) -> None:
    first = regions_csv(tmp_path)
    second = first.with_name("again.csv")
    second.write_bytes(first.read_bytes())
    code, shown = on_a_terminal("evaluate", str(first), str(second), *ARGS, "--chart", columns=200)
    assert code == 0 and shown.count("mse per group") == 2
    assert shown.index(f"\n{first}\n") < shown.index(f"\n{second}\n")


def test_bars_below_zero_run_left_to_a_line_at_zero() -> None:
    run = losscli_process(
        "evaluate", str(SAMPLE), *DONE_WHEN[:6], "-m", "r2", "-f", "table", "--chart"
    )
    assert run.returncode == 0, run.stderr
    rows = [line for line in chart_of(run.stdout, "r2 per group").splitlines()[1:] if "█" in line]
    zero = {line.index("│") for line in rows if "│" in line}
    assert len(zero) == 1 and len(rows) == 8
    (at,) = zero
    for line in rows:
        value = float(line.split()[-1])
        if value < 0:
            assert line.rindex("█") == at and line[at + 1] == " "  # from the value up to 0
        else:
            assert line.index("█") == at + 1  # from 0 up to the value


def test_chart_shows_labels_from_the_data_literally() -> None:
    text = FORMATS["table"].render(awkward_result(), Display(chart=""))
    assert isinstance(text, str)
    chart = chart_of(text, "mse per group")
    assert "\x1b" not in chart and "\t" not in chart
    labels = [set_cell_size(line, 20).rstrip() for line in chart.splitlines()[1:] if line.strip()]
    assert labels[:-1] == [fitted(visible(label), 20, UNICODE) for label in reversed(AWKWARD)]
