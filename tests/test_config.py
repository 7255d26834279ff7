"""Config files as ruff and pytest find theirs: up the tree to the repository root,
paths from the file's directory, every value overridable or removable from the command line."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from conftest import ARTICLE, write_table

# Group a: mse 0.12205; group b: mse 0.27873; overall 0.21606.
GROUPED = ARTICLE.assign(g=["a", "a", "b", "b", "b"])


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    """A repository with data in it; the working directory is its subdirectory ``sub``."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "sub").mkdir()
    write_table(GROUPED, root / "sub" / "g.csv")
    monkeypatch.chdir(root / "sub")
    return root


def test_found_in_a_parent_directory(run, repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.losscli]\ngroup-by = ["g"]\nformat = "csv"\n')
    result = run("evaluate", "g.csv", "-m", "mse")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "file,pred,scope,g,n,mse"


def test_a_pyproject_without_the_table_is_passed_over(run, repo: Path) -> None:
    (repo / "sub" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (repo / "losscli.toml").write_text('check = ["mse<0.1"]\n')
    assert run("evaluate", "g.csv").exit_code == 1


def test_search_stops_at_the_repository_root(run, repo: Path) -> None:
    (repo.parent / "losscli.toml").write_text('check = ["mse<0.1"]\n')
    assert run("evaluate", "g.csv").exit_code == 0


def test_paths_are_relative_to_the_config_file(run, repo: Path) -> None:
    (repo / "metrics").mkdir()
    made = run("evaluate", "g.csv", "-g", "g", "-f", "json", "-o", "../metrics/base.json")
    assert made.exit_code == 0
    (repo / "losscli.toml").write_text(
        'baseline = "metrics/base.json"\nmax-regression = ["mse=0"]\ngroup-by = ["g"]\n'
        'output = "metrics/report.md"\n'
    )
    result = run("evaluate", "g.csv")
    assert result.exit_code == 0, result.stderr
    assert "| **overall** | **5** |" in (repo / "metrics" / "report.md").read_text()


def test_max_regression_without_a_baseline_is_skipped_with_a_note(run, repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.losscli]\nmax-regression = ["mse=5%"]\n')
    result = run("evaluate", "g.csv", "-f", "json")
    assert result.exit_code == 0
    note = (
        "../pyproject.toml: max-regression is skipped: there is no baseline to compare with "
        "(give --baseline FILE, or set baseline in ../pyproject.toml)"
    )
    assert result.stderr == f"losscli: warning: {note}\n"
    assert json.loads(result.stdout)["warnings"] == [note]
    from_command_line = run("evaluate", "g.csv", "--no-config", "--max-regression", "mse=5%")
    assert from_command_line.exit_code == 2
    assert "--max-regression needs --baseline FILE" in from_command_line.stderr


@pytest.mark.parametrize(
    ("setting", "code", "message"),
    [
        (
            'label = "actual"',
            3,
            "(the value of key 'label' in ../losscli.toml)",
        ),
        (
            'baseline = "nope.json"',
            3,
            "losscli: error: ../nope.json: the baseline file does not exist; create it with: "
            "losscli evaluate g.csv --baseline '' -f json -o ../nope.json, "
            "or pass --allow-missing-baseline "
            "(the value of key 'baseline' in ../losscli.toml)\n",
        ),
        ('group_by = "h"', 3, "(the value of key 'group_by' in ../losscli.toml)"),
        ('check = ["mse<"]', 2, "../losscli.toml: bad value for key 'check'"),
    ],
)
def test_errors_name_the_config_file_and_key(
    run, repo: Path, setting: str, code: int, message: str
) -> None:
    (repo / "losscli.toml").write_text(setting + "\n")
    result = run("evaluate", "g.csv")
    assert result.exit_code == code
    assert message in result.stderr


def test_no_config_ignores_it(run, repo: Path) -> None:
    (repo / "losscli.toml").write_text('check = ["mse<0.1"]\n')
    assert run("evaluate", "g.csv").exit_code == 1
    assert run("evaluate", "g.csv", "--no-config").exit_code == 0
    assert run("evaluate", "--no-config", "g.csv", "--config", "../losscli.toml").exit_code == 0
    (repo / "losscli.toml").write_text("check = [\n")  # not even TOML: never read
    assert run("evaluate", "g.csv", "--no-config").exit_code == 0


@pytest.mark.parametrize(
    ("setting", "override", "code"),
    [
        ('check = ["mse<0.1"]', ["--check", ""], 0),  # emptied
        ('check = ["mse<0.1"]', ["--check", "mse<1"], 0),  # replaced
        ('group-by = ["h"]', ["-g", ""], 0),  # a missing column no more
        ('label = "actual"', ["-l", ""], 0),  # back to finding it by name
        ('baseline = "nope.json"\nmax-regression = ["mse=0"]', ["--baseline", ""], 0),
        ("drop-na = false", ["--drop-na"], 0),
        ('check = ["mse<0.1"]\nquiet = true', ["--no-quiet"], 1),
        ('encoding = "latin-1"', ["--encoding", ""], 0),
        ('delimiter = ";"', ["--delimiter", ""], 0),
        ('loss = ["r2"]\ncheck = ["r2>0.99"]', ["-m", "", "--check", ""], 0),
    ],
)
def test_every_value_can_be_overridden_or_emptied(
    run, repo: Path, setting: str, override: list[str], code: int
) -> None:
    (repo / "losscli.toml").write_text(setting + "\n")
    result = run("evaluate", "g.csv", *override)
    assert result.exit_code == code, result.stderr
    assert "error" not in result.stderr


def test_negated_flag_wins_over_the_config(run, repo: Path) -> None:
    (repo / "sub" / "na.csv").write_text("y_true,y_pred\n1,1\n2,\n")
    (repo / "losscli.toml").write_text("drop-na = true\n")
    assert run("evaluate", "na.csv").exit_code == 0
    assert run("evaluate", "na.csv", "--no-drop-na").exit_code == 3


def test_config_option_reads_a_pyproject_table(run, repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "pyproject.toml"
    elsewhere.write_text('[project]\nname = "x"\n\n[tool.losscli]\ncheck = ["mse<0.1"]\n')
    result = run("evaluate", "g.csv", "--config", str(elsewhere))
    assert result.exit_code == 1


def test_statistics_from_the_config_can_be_switched_off(run, repo: Path) -> None:
    (repo / "sub" / "two.csv").write_text("y_true,y_pred,b\n1,1.5,1\n2,2,2.5\n3,3.5,3\n")
    (repo / "losscli.toml").write_text('ci = "90"\ncompare = true\npred = ["y_pred", "b"]\n')
    header = run("evaluate", "two.csv", "-m", "mse", "-f", "csv").stdout.splitlines()[0]
    assert header == "file,pred,scope,n,mse,mse_low,mse_high"
    plain = run("evaluate", "two.csv", "-m", "mse", "-f", "json", "--ci", "", "--no-compare")
    assert plain.exit_code == 0, plain.stderr
    assert list(json.loads(plain.stdout)) == ["schema_version", "rows", "warnings"]


def test_an_option_value_from_the_config_is_named_only_when_quoted(run, repo: Path) -> None:
    (repo / "sub" / "zero.csv").write_text("y_true,y_pred\n0,1\n2,2\n")
    (repo / "losscli.toml").write_text('mape-zero = "error"\nformat = "csv"\n')
    result = run("evaluate", "zero.csv")
    assert result.exit_code == 3
    assert result.stderr.endswith(
        "without --mape-zero error such rows are left out of MAPE only. "
        "(the value of key 'mape-zero' in ../losscli.toml)\n"
    )
    unrelated = run("evaluate", "zero.csv", "-l", "csv")
    assert unrelated.exit_code == 3
    assert "losscli.toml" not in unrelated.stderr


def test_the_command_that_creates_a_missing_baseline_runs(run, repo: Path) -> None:
    (repo / "metrics").mkdir()
    (repo / "losscli.toml").write_text(
        'baseline = "metrics/base.json"\ngroup-by = ["g"]\nmax-regression = ["mse=0"]\n'
    )
    first = run("evaluate", "g.csv", "-m", "mse")
    assert first.exit_code == 3
    command = first.stderr.split("create it with: ")[1].split(", or pass")[0]
    assert command == (
        "losscli evaluate g.csv --loss mse --baseline '' -f json -o ../metrics/base.json"
    )
    made = run(*shlex.split(command)[1:])
    assert made.exit_code == 0, made.stderr
    again = run("evaluate", "g.csv", "-m", "mse")
    assert again.exit_code == 0, again.stderr
    assert "Δ" not in again.stderr


@pytest.mark.parametrize("output", ["../victim.txt", "link.txt", "metrics/../../victim.txt"])
def test_a_config_writes_only_below_its_own_directory(run, repo: Path, output: str) -> None:
    victim = repo.parent / "victim.txt"
    victim.write_text("keep me\n")
    (repo / "link.txt").symlink_to(victim)
    (repo / "losscli.toml").write_text(f'output = "{output}"\n')
    result = run("evaluate", "g.csv")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"losscli: error: ../losscli.toml: key 'output' = '{output}' writes to {victim}, "
        f"outside the config file's directory {repo}"
    )
    assert victim.read_text() == "keep me\n"
    assert run("evaluate", "g.csv", "-f", "csv", "-o", str(victim)).exit_code == 0
    assert victim.read_text().startswith("file,pred")


def test_an_unknown_key_gets_the_nearest_one(run, repo: Path) -> None:
    (repo / "losscli.toml").write_text('groupby = ["g"]\n')
    result = run("evaluate", "g.csv")
    assert result.exit_code == 2
    assert "unknown key 'groupby' (did you mean 'group-by'?); the keys are" in result.stderr


@pytest.mark.parametrize(
    ("setting", "header"),
    [
        ("ci = true", "file,pred,scope,g,n,mse,mse_low,mse_high"),
        ("ci = false", "file,pred,scope,g,n,mse"),
    ],
)
def test_ci_true_in_a_config_is_95_and_false_none(
    run, repo: Path, setting: str, header: str
) -> None:
    (repo / "losscli.toml").write_text(f'{setting}\ngroup-by = ["g"]\n')
    result = run("evaluate", "g.csv", "-m", "mse", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout).get("ci", {"level": None})["level"] == (
        0.95 if "true" in setting else None
    )
    assert run("evaluate", "g.csv", "-m", "mse", "-f", "csv").stdout.splitlines()[0] == header


def test_a_bad_ci_in_a_config_gives_a_config_example(run, repo: Path) -> None:
    (repo / "losscli.toml").write_text('ci = "high"\n')
    result = run("evaluate", "g.csv")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "losscli: error: ../losscli.toml: bad value for key 'ci': 'high' is not a level; "
        "write e.g. ci = 95 (or ci = true for 95)"
    )


def test_failed_checks_from_a_config_name_its_file_and_keys(run, repo: Path) -> None:
    (repo / "losscli.toml").write_text('check = ["mse<=0.1"]\n')
    result = run("evaluate", "g.csv", "-m", "mse", "-f", "csv")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-2:] == [
        "losscli: ✗ 1 of 1 check failed",
        "losscli: the failed checks come from ../losscli.toml (key 'check')",
    ]
    typed = run("evaluate", "g.csv", "-m", "mse", "-f", "csv", "--check", "mse<=0.2")
    assert typed.exit_code == 1
    assert "losscli.toml" not in typed.stderr  # the command line's check replaced the file's


def test_failed_tolerances_and_required_rows_from_a_config_name_their_keys(run, repo: Path) -> None:
    (repo / "metrics").mkdir()
    made = run("evaluate", "g.csv", "-g", "g", "-m", "mse", "-f", "json", "-o", "../metrics/b.json")
    assert made.exit_code == 0, made.stderr
    write_table(GROUPED.assign(y_pred=GROUPED.y_pred + 1, g="c"), repo / "sub" / "g.csv")
    (repo / "losscli.toml").write_text(
        'baseline = "metrics/b.json"\nmax-regression = ["mse=0"]\nrequire-baseline = true\n'
        'group-by = ["g"]\n'
    )
    result = run("evaluate", "g.csv", "-m", "mse", "-f", "csv")
    assert result.exit_code == 1, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "losscli: the failed checks come from ../losscli.toml "
        "(key 'require-baseline', key 'max-regression')"
    )
