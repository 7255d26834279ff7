"""Config discovery never wanders into directories others write to, and never takes a file
someone else could have written: up to the repository root, else the home directory, else
the working directory alone; a config or plugin file owned by another user, or writable
by others, is refused (exit 2) with the way out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ARTICLE, write_table

as_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away needs root"
)
NOBODY = 65534
FAILING = 'check = ["mse<0.1"]\n'  # a config whose gate fails on the article's data (exit 1)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``top/home`` is the home directory, ``top/elsewhere`` is not below it; no repository."""
    for directory in ("home/a/b", "elsewhere/sub"):
        (tmp_path / "top" / directory).mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "top" / "home"))
    write_table(ARTICLE, tmp_path / "data.csv")
    return tmp_path / "top"


def test_discovery_stops_at_the_home_directory_outside_a_repository(
    run, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree / "home" / "a" / "b")
    (tree / "losscli.toml").write_text(FAILING)  # above the home directory: not found
    assert run("evaluate", "../../../../data.csv").exit_code == 0
    (tree / "home" / "losscli.toml").write_text(FAILING)
    assert run("evaluate", "../../../../data.csv").exit_code == 1


def test_outside_home_and_repository_only_the_working_directory_is_looked_in(
    run, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree / "elsewhere" / "sub")
    (tree / "elsewhere" / "losscli.toml").write_text(FAILING)  # as in a shared /tmp
    assert run("evaluate", "../../../data.csv").exit_code == 0
    (tree / "elsewhere" / "sub" / "losscli.toml").write_text(FAILING)
    assert run("evaluate", "../../../data.csv").exit_code == 1


def test_a_repository_above_the_home_directory_is_not_looked_into(
    run, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tree / ".git").mkdir()
    (tree / "losscli.toml").write_text(FAILING)
    monkeypatch.chdir(tree / "home" / "a")
    assert run("evaluate", "../../../data.csv").exit_code == 0


@pytest.fixture
def repo_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose losscli.toml names a plugin; the working directory is ``sub``."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "sub").mkdir()
    write_table(ARTICLE, tmp_path / "sub" / "data.csv")
    (tmp_path / "plugin.py").write_text("")
    config = tmp_path / "losscli.toml"
    config.write_text(FAILING + 'plugins = ["plugin.py"]\n')
    config.chmod(0o644)
    monkeypatch.chdir(tmp_path / "sub")
    return config


@as_root
def test_a_config_owned_by_another_user_is_refused_with_the_way_out(run, repo_config: Path) -> None:
    os.chown(repo_config, NOBODY, -1)
    result = run("evaluate", "data.csv")
    assert result.exit_code == 2
    assert result.stderr.startswith("losscli: error: ../losscli.toml: the config file is owned by")
    assert f"{NOBODY}), not by you or root" in result.stderr
    assert "give --config ../losscli.toml, or ignore it with --no-config" in result.stderr
    assert run("evaluate", "data.csv", "--config", "../losscli.toml").exit_code == 1
    assert run("evaluate", "data.csv", "--no-config").exit_code == 0


@pytest.mark.parametrize("explicit", [False, True])
def test_a_config_writable_by_others_is_refused(run, repo_config: Path, explicit: bool) -> None:
    repo_config.chmod(0o646)
    result = run("evaluate", "data.csv", *(["--config", "../losscli.toml"] if explicit else []))
    assert result.exit_code == 2
    assert "../losscli.toml: the config file is writable by every user" in result.stderr
    assert "chmod go-w ../losscli.toml" in result.stderr


@as_root
def test_a_config_writable_by_a_shared_group_is_refused(run, repo_config: Path) -> None:
    os.chown(repo_config, -1, NOBODY)
    repo_config.chmod(0o664)
    result = run("evaluate", "data.csv")
    assert result.exit_code == 2
    assert f"is writable by the group nogroup (gid {NOBODY})" in result.stderr


def test_a_config_writable_by_its_owners_private_group_is_taken(run, repo_config: Path) -> None:
    """The user-private-group scheme (umask 002) makes every file group-writable."""
    import grp
    import pwd

    owner = pwd.getpwuid(os.geteuid()).pw_name
    try:
        private = grp.getgrnam(owner)
    except KeyError:
        pytest.skip(f"no group named {owner}")
    if set(private.gr_mem) - {owner}:
        pytest.skip(f"the group {owner} has other members")
    os.chown(repo_config, -1, private.gr_gid)
    repo_config.chmod(0o664)
    assert run("evaluate", "data.csv").exit_code == 1


@as_root
def test_a_plugin_of_the_config_owned_by_another_user_is_refused(run, repo_config: Path) -> None:
    os.chown(repo_config.parent / "plugin.py", NOBODY, -1)
    result = run("evaluate", "data.csv")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "losscli: error: ../plugin.py: the plugin file that ../losscli.toml names is owned by"
    )
    assert "--config ../losscli.toml" in result.stderr
    assert "--no-config" in result.stderr
    assert run("evaluate", "data.csv", "--config", "../losscli.toml").exit_code == 1


@pytest.mark.parametrize("explicit", [False, True])
def test_a_plugin_of_the_config_writable_by_others_is_refused(
    run, repo_config: Path, explicit: bool
) -> None:
    """Also under --config: anyone could change the plugin after the user read it."""
    (repo_config.parent / "plugin.py").chmod(0o666)
    result = run("evaluate", "data.csv", *(["--config", "../losscli.toml"] if explicit else []))
    assert result.exit_code == 2
    assert (
        "../plugin.py: the plugin file that ../losscli.toml names is writable by every user"
        in result.stderr
    )
    assert "chmod go-w ../plugin.py" in result.stderr
