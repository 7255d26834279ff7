"""A plugin cannot change another loss's value, the exit code or standard output; its
values are real and finite, its names fit the grammar, and its failures name their place."""

from __future__ import annotations

import json
import os
import re
import signal
import textwrap
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import (
    EXAMPLES,
    install_entry_point,
    losscli_process,
    sales,
    write_plugin,
    write_table,
)

import losscli
from losscli import plugins
from losscli.errors import PluginFailure
from losscli.losses import REGISTRY
from losscli.losses.shapes import Transform

pytestmark = pytest.mark.usefixtures("clean_registry")


def term_plugin(tmp_path: Path, name: str, body: str, head: str = "") -> Path:
    """A plugin file defining the loss ``name`` whose term ``f(y, p)`` runs ``body``."""
    function = f"@losscli.loss(name={name!r}, formula='x')\ndef {name}(y, p):\n"
    return write_plugin(tmp_path, head + "\n" + function + textwrap.indent(body, "    "))


def two_models(tmp_path: Path) -> tuple[pd.DataFrame, Path]:
    """Two models with their own errors, weights and an extra column 'c'."""
    frame, _ = sales(tmp_path)
    frame["other"] = frame.y_true + np.where(frame.g == "a", 1.0, -3.0)
    frame["c"] = 1.0
    return frame, write_table(frame, tmp_path / "two.csv")


# Each tries to change what the losses after it see; every one must fail inside the plugin.
WRITES = [
    "b.y[:] = 0",
    "b.p[:] = 0",
    "b.w[:] = 0",
    "b.err[:] = 0",
    "b.abs_err[:] = 0",
    "b.w_array[:] = 0",
    "b.extra['c'][:] = 5",
    "b.extra['c'] = b.p",
    "b.y = b.p",
    # the write flag turned back on, then a write
    "b.y.setflags(write=True); b.y[:] = 0",
    "b.p.setflags(write=True); b.p[:] = 0",
    "b.w.setflags(write=True); b.w[:] = 0",
    "b.extra['c'].setflags(write=True); b.extra['c'][:] = 5",
    "e = b.err; e.setflags(write=True); e[:] = 0",
    # what the batch holds, replaced
    "b.__dict__['err'] = np.zeros(len(b.y))",
    "b.__dict__['abs_err'] = np.zeros(len(b.y))",
    "b.__dict__['w_array'] = np.zeros(len(b.y))",
    "object.__setattr__(b, 'y', b.p)",
    "object.__setattr__(b, 'w', np.zeros(len(b.y)))",
    "b.params.__dict__['huber_delta'] = 100.0",
]


@pytest.mark.parametrize("write", WRITES)
def test_plugin_cannot_change_another_loss(run: Any, tmp_path: Path, write: str) -> None:
    """A plugin that writes into what it is given (and goes on as if it had) leaves every
    other loss's value, of its model and of the next, as it is without the plugin."""
    frame, path = two_models(tmp_path)
    plugin = write_plugin(
        tmp_path,
        f"""
        from losscli import Direction, Loss, Mean, Task, Terms

        def scribble(b):
            try:
                {write}
            except (ValueError, TypeError, AttributeError):
                pass  # refused: the batch is read-only
            return Terms(np.zeros(len(b.y)))

        losscli.register(Loss("scribble", (), "writes into its batch", "x",
                              (Task.REGRESSION,), Direction.LOWER, Mean(scribble),
                              columns=("c",)))

        @losscli.loss(name="c_mse", formula="Σw·c / Σw", columns=("c",))
        def c_mse(y, p, c):
            return c
        """,
    )
    args = [str(path), "-p", "y_pred", "-p", "other", "-w", "w", "-f", "json", "--plugin"]
    others = "mse,mae,rmse,huber,c_mse"
    result = run("evaluate", *args, str(plugin), "-m", f"scribble,{others}")
    assert result.exit_code == 0, result.stderr
    rows = {row["pred"]: row["metrics"] for row in json.loads(result.stdout)["rows"]}
    for model in ("y_pred", "other"):
        e = frame[model] - frame.y_true
        assert rows[model]["mse"] == pytest.approx(np.average(e**2, weights=frame.w), rel=1e-12)
        assert rows[model]["mae"] == pytest.approx(np.average(abs(e), weights=frame.w), rel=1e-12)
        assert rows[model]["c_mse"] == pytest.approx(1.0, rel=1e-12)
    alone = json.loads(run("evaluate", *args, str(plugin), "-m", others).stdout)["rows"]
    assert {row["pred"]: row["metrics"] for row in alone} == {
        model: {name: value for name, value in metrics.items() if name != "scribble"}
        for model, metrics in rows.items()
    }


def test_a_plugin_writing_into_its_inputs_fails_naming_it(run: Any, tmp_path: Path) -> None:
    _, path = two_models(tmp_path)
    plugin = term_plugin(tmp_path, "zeroing", "y[:] = 0\nreturn p\n")
    args = ["-p", "y_pred", "-p", "other", "--plugin", str(plugin), "-m", "mse,zeroing"]
    result = run("evaluate", str(path), *args)
    assert result.exit_code == 4
    assert result.stderr.startswith(f"losscli: error: plugin {plugin}: loss 'zeroing' raised")
    assert "read-only" in result.stderr and "Traceback" not in result.stderr


EXITS = {
    "at import": "import sys\nsys.exit(0)\n",
    "while computing": "import sys\nsys.exit(0)\n",
    "KeyboardInterrupt while computing": "raise KeyboardInterrupt\n",
}


@pytest.mark.parametrize("when", EXITS)
def test_a_plugin_cannot_end_the_run_or_pass_a_check(tmp_path: Path, when: str) -> None:
    """sys.exit(0) or KeyboardInterrupt from a plugin is a plugin failure (exit 4), so a
    failing check can never turn into a pass."""
    _, path = sales(tmp_path)
    if when == "at import":
        plugin, losses = write_plugin(tmp_path, EXITS[when]), "mse"
    else:
        plugin, losses = term_plugin(tmp_path, "leaver", EXITS[when]), "mse,leaver"
    done = losscli_process(
        "evaluate", str(path), "--plugin", str(plugin), "-m", losses, "--check", "mse<=0"
    )
    assert done.returncode == 4, done.stderr
    assert done.stderr.startswith(f"losscli: error: plugin {plugin}: ")
    assert ("sys.exit(0)" if "Keyboard" not in when else "KeyboardInterrupt") in done.stderr
    assert "Traceback" not in done.stderr and "Aborted" not in done.stderr


def test_a_real_interrupt_inside_plugin_code_stays_an_interrupt(tmp_path: Path) -> None:
    """SIGINT arriving while a plugin computes (on the main thread) ends the run with 130,
    not as the plugin's failure."""
    _, path = sales(tmp_path)
    body = "os.kill(os.getpid(), signal.SIGINT)\nreturn p\n"
    plugin = term_plugin(tmp_path, "slow", body, head="import os, signal")
    done = losscli_process("evaluate", str(path), "--plugin", str(plugin), "-m", "slow")
    assert done.returncode == 128 + signal.SIGINT, done.stderr
    assert "plugin" not in done.stderr


def test_a_plugin_exiting_on_a_worker_thread_is_a_plugin_failure(tmp_path: Path) -> None:
    """Chunks big enough are computed on the kernel's thread pool: SystemExit there reaches
    the caller as a PluginFailure too."""
    frame, _ = sales(tmp_path, rows=80_000)
    plugins.load_file(str(term_plugin(tmp_path, "leaver", "sys.exit(3)\n", head="import sys")))
    path = write_table(frame, tmp_path / "big.parquet")
    with pytest.raises(PluginFailure, match=r"loss 'leaver' called sys.exit\(3\)"):
        losscli.evaluate(path, losses="leaver", threads=2)


def test_keyboard_interrupt_passes_through_the_python_api(tmp_path: Path) -> None:
    """In a notebook SIGINT's handler is Python's own: Ctrl-C (a KeyboardInterrupt) stops
    the run as it stops anything else. (Python's handler is installed for the test: a
    process started in the background, as some CI runners start the suite, inherits SIGINT
    ignored.)"""
    frame, _ = sales(tmp_path)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:

        @losscli.loss(name="interrupted", formula="x")
        def interrupted(y: np.ndarray, p: np.ndarray) -> np.ndarray:
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            losscli.evaluate(frame, losses="interrupted")
    finally:
        signal.signal(signal.SIGINT, previous)


CHATTY_IMPORT = """
import os, sys, threading

print("hello at import")
os.write(1, b"import to descriptor 1\\n")
print("import to sys.__stdout__", file=sys.__stdout__, flush=True)
os.system("echo import from a child process")


def late():
    threading.main_thread().join()  # until the run has ended and written its result
    print("late from a thread", flush=True)
    os.write(1, b"late to descriptor 1\\n")


threading.Thread(target=late).start()
"""
CHATTY_LINES = [
    "hello at import",
    "import to descriptor 1",
    "import to sys.__stdout__",
    "import from a child process",
    "hello from compute",
    "compute to descriptor 1",
    "late from a thread",
    "late to descriptor 1",
]


@pytest.mark.parametrize("output", [[], ["-o", "/dev/stdout"]])
def test_a_plugin_prints_on_stderr_never_stdout(tmp_path: Path, output: list[str]) -> None:
    """``-f json | jq`` stays valid: what a plugin writes at import, while computing or
    from a thread of its own after the result, through Python's streams (``sys.__stdout__``
    too) or straight to descriptor 1, goes to standard error; standard output is the
    result alone, also written as ``-o /dev/stdout``."""
    _, path = sales(tmp_path, rows=40_000)  # chunks big enough for the kernel's threads
    body = """
        print("hello from compute")
        os.write(1, b"compute to descriptor 1\\n")
        return np.abs(p - y)
        """
    plugin = term_plugin(tmp_path, "chatty", textwrap.dedent(body), head=CHATTY_IMPORT)
    done = losscli_process(
        "evaluate", str(path), "--plugin", str(plugin), "-m", "chatty", "-f", "json", *output
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"][0]["metrics"]["chatty"] > 0
    assert done.stdout.startswith("{") and done.stdout.endswith("}\n")
    for line in CHATTY_LINES:
        assert line in done.stderr


def test_a_complex_value_is_a_plugin_failure(run: Any, tmp_path: Path) -> None:
    _, path = sales(tmp_path)
    plugin = term_plugin(tmp_path, "complex_term", "return (p - y) + 1j\n")
    result = run("evaluate", str(path), "--plugin", str(plugin), "-m", "complex_term")
    assert result.exit_code == 4
    assert f"plugin {plugin}: loss 'complex_term' returned a term of type complex128" in (
        result.stderr
    )


# every word the grammar uses, or will, as a list's whole, a prefix or a scope (the issue's)
GRAMMAR_WORDS = ["all", "overall", "delta", "first", "last", "class", "period"]
BAD_NAMES = [*GRAMMAR_WORDS, "ALL", "", "a<b", "a>b", "a=b", "a:b", "a,b", "5%", "two words", "1st"]


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize("as_alias", [False, True])
def test_a_name_the_grammar_reads_is_refused(tmp_path: Path, name: str, as_alias: bool) -> None:
    aliases = f"aliases=[{name!r}], " if as_alias else ""
    plugin = write_plugin(
        tmp_path,
        f"""
        @losscli.loss(name={"fine" if as_alias else name!r}, {aliases}formula="x")
        def term(y, p):
            return p
        """,
    )
    with pytest.raises(PluginFailure, match=re.escape(f"plugin {plugin}: loss name {name!r}")):
        plugins.load_file(str(plugin))
    assert "fine" not in REGISTRY


@pytest.mark.parametrize("key", ["", "a=b", "a:b", "two words", "Alpha"])
def test_a_parameter_name_the_grammar_reads_is_refused(key: str) -> None:
    with pytest.raises(PluginFailure, match=re.escape(f"parameter name {key!r}")):

        @losscli.loss(name="keyed", formula="x", params={key: 1.0})
        def keyed(y: np.ndarray, p: np.ndarray, **params: float) -> np.ndarray:
            return p


def test_every_builtin_name_and_parameter_fits_the_one_rule() -> None:
    from losscli.losses.registry import RESERVED, name_problem, param_problem

    assert set(GRAMMAR_WORDS) <= set(RESERVED)
    for loss in REGISTRY.values():
        for name in loss.names:
            assert name_problem(name) == "", name
        for param in loss.params:
            assert param_problem(param.name) == "", (loss.name, param.name)


def test_a_non_finite_value_names_the_file_model_and_data_row(run: Any, tmp_path: Path) -> None:
    """The data row as the input checks count it, past rows --drop-na left out."""
    frame, _ = sales(tmp_path)
    frame["other"] = frame.y_pred
    frame.loc[9, "y_true"] = np.nan  # data row 10: dropped
    frame.loc[118, "other"] = -1.0  # data row 119 of 'other': log of a negative
    write_table(frame.iloc[:50], tmp_path / "first.csv")
    path = write_table(frame, tmp_path / "second.csv")
    plugin = term_plugin(tmp_path, "log_p", "return np.log(p)\n")
    args = ["-p", "y_pred", "-p", "other", "--drop-na", "--plugin", str(plugin), "-m", "log_p"]
    result = run("evaluate", str(tmp_path / "first.csv"), str(path), *args)
    assert result.exit_code == 4
    assert (
        f"loss 'log_p' returned a non-finite term (nan) at data row 119 of {path}, "
        "model 'other'" in result.stderr
    )


def test_a_plugin_failure_names_the_earliest_row_of_any_model(run: Any, tmp_path: Path) -> None:
    """Two models failing in two blocks of one chunk: the earlier row is named, whichever
    model it is in (a plugin is never run over several blocks of one model first), and a
    plugin sees the blocks it always saw (16,384 rows at most)."""
    y = np.random.default_rng(3).normal(size=40_000)
    a, b = y + 0.1, y - 0.1
    b[100], a[20_000] = -999.0, -999.0  # data rows 101 (b) and 20,001 (a)
    path = write_table(pd.DataFrame({"y_true": y, "a": a, "b": b}), tmp_path / "bad.csv")
    plugin = term_plugin(
        tmp_path, "sentinel", "assert len(p) <= 16_384\nreturn np.where(p == -999.0, np.nan, 1.0)\n"
    )
    args = ["-p", "a", "-p", "b", "--plugin", str(plugin), "-m", "sentinel", "--threads", "1"]
    result = run("evaluate", str(path), *args)
    assert result.exit_code == 4
    assert (
        f"loss 'sentinel' returned a non-finite term (nan) at data row 101 of {path}, "
        "model 'b'" in result.stderr
    )


def test_sys_exit_at_import_through_the_api_is_a_plugin_failure(tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path, "import sys\nsys.exit(0)\n")
    with pytest.raises(PluginFailure, match=r"cannot load: called sys.exit\(0\)"):
        plugins.load_file(str(plugin))
    assert os.path.isfile(plugin)


def test_losses_with_a_broken_installed_plugin_is_a_plugin_failure(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_entry_point(tmp_path / "site", "raise ImportError('no torch')\n", monkeypatch)
    result = run("losses", "-f", "csv")
    assert result.exit_code == 4
    assert result.stderr == (
        "losscli: error: plugin package acme_losses: cannot load: ImportError: no torch\n"
    )
    assert result.stdout == ""


def _leave(*args: Any, **kwargs: Any) -> Any:
    raise SystemExit(5)


def _absolute(b: Any) -> losscli.Terms:
    return losscli.Terms(np.abs(b.p - b.y))


def _statistics(b: Any) -> dict[str, np.ndarray]:
    return {"e": np.abs(b.p - b.y)}


def _compute(sums: Any) -> np.ndarray:
    return np.asarray(sums["e"]) / np.asarray(sums["n"])


SHAPES = {
    "a ratio's transform": losscli.Ratio(_absolute, transform=Transform("x", _leave, _leave)),
    "an extreme's term": losscli.Extreme(_leave),
    "a custom loss's statistics": losscli.Custom(_leave, _compute),
    "a custom loss's flags": losscli.Custom(_statistics, _compute, flags=_leave),
    "a custom loss's finalize": losscli.Custom(_statistics, _leave),
    "a rank statistic's ranks": losscli.Ranked(_leave),
}


@pytest.mark.parametrize("where", SHAPES)
def test_every_function_of_a_plugin_shape_is_guarded(tmp_path: Path, where: str) -> None:
    frame, _ = sales(tmp_path)
    task = losscli.Task.BINARY if "rank" in where else losscli.Task.REGRESSION
    definition = losscli.Loss(
        "leaving", (), "", "x", (task,), losscli.Direction.LOWER, SHAPES[where]
    )
    losscli.register(definition)
    if "rank" in where:
        frame = frame.assign(y_true=(frame.y_true > 15).astype(float), y_pred=0.5)
    with pytest.raises(PluginFailure, match=r"loss 'leaving' called sys.exit\(5\)"):
        losscli.evaluate(frame, losses="leaving")


# Each tries to change the sums its finalize is given; the losses after it see their own.
SUM_WRITES = [
    "sums['n'][...] = 1e6",
    "sums['n'].setflags(write=True); sums['n'][...] = 1e6",
    "sums['e'].setflags(write=True); sums['e'][...] = 0",
    "sums['n'] = np.ones(len(sums['n']))",
]


@pytest.mark.parametrize("write", SUM_WRITES)
def test_a_custom_plugin_cannot_change_another_through_its_sums(
    run: Any, tmp_path: Path, write: str
) -> None:
    """Plugin aaa writes into the sums its finalize is given, which hold the row counts
    every loss shares: plugin bbb (the same loss) and the built-in MSE keep their values."""
    frame, path = sales(tmp_path)
    plugin = write_plugin(
        tmp_path,
        f"""
        from losscli import Custom, Direction, Loss, Task

        def statistics(b):
            return {{"e": np.abs(b.p - b.y)}}

        def scribbling(sums):
            try:
                {write}
            except (ValueError, TypeError):
                pass  # refused: the sums are read-only
            return np.asarray(sums["e"]) / np.asarray(sums["n"])

        def mean(sums):
            return np.asarray(sums["e"]) / np.asarray(sums["n"])

        for name, finalize in (("aaa", scribbling), ("bbb", mean)):
            losscli.register(Loss(name, (), "mean |e|", "x", (Task.REGRESSION,),
                                  Direction.LOWER, Custom(statistics, finalize)))
        """,
    )
    args = [str(path), "-g", "g", "-f", "json", "--plugin", str(plugin), "-m", "aaa,bbb,mse"]
    result = run("evaluate", *args)
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert len(rows) == 3
    for row in rows:
        part = frame if row["group"] is None else frame[frame.g == row["group"]["g"]]
        e = part.y_pred - part.y_true
        assert row["metrics"]["bbb"] == pytest.approx(np.mean(abs(e)), rel=1e-12)
        assert row["metrics"]["mse"] == pytest.approx(np.mean(e**2), rel=1e-12)


def test_the_python_api_redirects_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the command line moves standard output aside: in a notebook a plugin's print
    shows where prints show."""
    plugins.load_file(str(write_plugin(tmp_path, 'print("hello at import")\n')))
    assert capsys.readouterr().out == "hello at import\n"


@pytest.mark.parametrize("fmt", ["csv", "table"])
def test_losses_lists_an_installed_plugin_on_stdout_and_its_prints_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """``losscli losses`` loads every installed plugin first: the list is on standard
    output, whatever the plugin writes at import is not."""
    source = (EXAMPLES / "overstock.py").read_text()
    chatty = 'import os\nos.write(1, b"installed to descriptor 1\\n")\nprint("installed")\n'
    install_entry_point(tmp_path / "site", chatty + source, monkeypatch)
    done = losscli_process("losses", "-f", fmt, path=tmp_path / "site")
    assert done.returncode == 0, done.stderr
    assert "overstock" in done.stdout and "mse" in done.stdout
    assert "installed" not in done.stdout
    assert "installed to descriptor 1" in done.stderr and "installed\n" in done.stderr


NOISY = """
from losscli import Custom, Direction, Loss, Task


@losscli.loss(name="noisy_term", formula="|y - p|")
def noisy_term(y, p):
    np.mean(np.array([]))  # RuntimeWarning: Mean of empty slice
    return np.nan_to_num(np.log(p - 1e9)) * 0 + np.abs(y - p)  # invalid value in log


def statistics(b):
    return {"e": np.abs(b.p - b.y)}


def mean(sums):
    np.mean(np.array([]))
    e, n = np.asarray(sums["e"]), np.asarray(sums["n"])
    return np.nan_to_num(np.log(e - 1e12)) * 0 + e / n


losscli.register(Loss("noisy_custom", (), "mean |e|", "x", (Task.REGRESSION,),
                      Direction.LOWER, Custom(statistics, mean)))
"""


def test_numpy_warnings_of_plugin_code_never_reach_stderr(tmp_path: Path) -> None:
    """A plugin's values are checked (a non-finite one is its failure, with its place), so
    NumPy's RuntimeWarnings from plugin code, on the kernel's threads, in finalize and in
    the bootstrap, are not shown."""
    _, path = sales(tmp_path, rows=40_000)
    plugin = write_plugin(tmp_path, NOISY)
    args = ["-m", "noisy_term,noisy_custom", "--ci", "--ci-method", "bootstrap", "-f", "json"]
    done = losscli_process("evaluate", str(path), "--plugin", str(plugin), *args)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    metrics = json.loads(done.stdout)["rows"][0]["metrics"]
    assert metrics["noisy_term"] == pytest.approx(metrics["noisy_custom"], rel=1e-12)


def test_plugin_warnings_are_silent_in_the_api_and_filters_stay(tmp_path: Path) -> None:
    frame, _ = sales(tmp_path)
    plugins.load_file(str(write_plugin(tmp_path, NOISY)))
    before = list(warnings.filters)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        losscli.evaluate(frame, losses="noisy_term,noisy_custom", ci=True, resamples=50)
    assert [str(w.message) for w in caught] == []
    assert warnings.filters == before


def forger(tmp_path: Path, victim: str, name: str) -> Path:
    """A plugin file registering ``victim`` with a loss that claims another's ``defined_by``."""
    return write_plugin(
        tmp_path,
        f"""
        from losscli import Direction, Loss, Mean, Task, Terms

        def zero(b):
            return Terms(np.zeros(len(b.y)))

        claimed = losscli.losses.REGISTRY[{victim!r}].defined_by
        losscli.register(Loss({victim!r}, (), "", "x", (Task.REGRESSION,), Direction.LOWER,
                              Mean(zero), defined_by=claimed))
        """,
        name=name,
    )


def test_a_plugin_cannot_replace_another_origins_loss_by_claiming_its_function(
    tmp_path: Path,
) -> None:
    """Redefinition replaces a loss only from the same function and the same origin: a
    plugin file claiming the ``defined_by`` of another file's loss, or of one the Python
    API defined, is refused and leaves it in place."""
    first = term_plugin(tmp_path, "filed", "return np.abs(p - y)\n")
    plugins.load_file(str(first))

    @losscli.loss(name="notebook", formula="|e|")
    def notebook(y: np.ndarray, p: np.ndarray) -> np.ndarray:
        return np.abs(p - y)

    for victim, owner in (("filed", f"plugin {first}"), ("notebook", "the Python API")):
        assert REGISTRY[victim].defined_by
        path = forger(tmp_path, victim, name=f"forger_{victim}.py")
        with pytest.raises(PluginFailure, match=f"'{victim}' of plugin .* already taken"):
            plugins.load_file(str(path))
        assert REGISTRY[victim].origin == owner
    frame, _ = sales(tmp_path)
    metrics = losscli.evaluate(frame, losses="filed,notebook").rows[-1].metrics
    assert (
        metrics["filed"]
        == metrics["notebook"]
        == pytest.approx(np.abs(frame.y_pred - frame.y_true).mean())
    )
