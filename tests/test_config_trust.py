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


def test_the_repository_root_is_reached_though_the_home_directory_lies_between(
    run, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The repository's config and its gate are never skipped: home stops no walk in a
    repository (``cd repo/sub`` with ``HOME=repo/sub``)."""
    (tree / ".git").mkdir()
    (tree / "losscli.toml").write_text(FAILING)
    monkeypatch.chdir(tree / "home" / "a")
    assert run("evaluate", "../../../data.csv").exit_code == 1
    monkeypatch.chdir(tree / "home")
    assert run("evaluate", "../../data.csv").exit_code == 1


@pytest.mark.parametrize("home", [None, "", "relative/home"])
def test_without_a_usable_home_directory_only_the_working_directory_is_looked_in(
    run, tree: Path, monkeypatch: pytest.MonkeyPatch, home: str | None
) -> None:
    """HOME unset (the password database's entry, not above this tree), empty or relative:
    no home rule, so the parent's config is not found; the working directory's is."""
    if home is None:
        monkeypatch.delenv("HOME")
    else:
        monkeypatch.setenv("HOME", home)
    monkeypatch.chdir(tree / "home" / "a")
    (tree / "home" / "losscli.toml").write_text(FAILING)
    assert run("evaluate", "../../../data.csv").exit_code == 0
    (tree / "home" / "a" / "losscli.toml").write_text(FAILING)
    assert run("evaluate", "../../../data.csv").exit_code == 1


@as_root
def test_a_git_directory_someone_else_owns_is_no_repository_root(
    run, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anyone could create ``/tmp/.git`` beside a ``/tmp/losscli.toml``: as git's
    safe.directory, a ``.git`` counts only when you or root own it."""
    (tree / ".git").mkdir()
    (tree / "losscli.toml").write_text(FAILING)  # yours: found, it would fail the run
    monkeypatch.chdir(tree / "elsewhere" / "sub")
    assert run("evaluate", "../../../data.csv").exit_code == 1
    os.chown(tree / ".git", NOBODY, -1)
    assert run("evaluate", "../../../data.csv").exit_code == 0


def test_discovery_never_walks_up_into_a_directory_anyone_may_write(
    run, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not into a sticky or world-writable directory (such as /tmp), even to a ``.git``."""
    (tree / ".git").mkdir()
    (tree / "losscli.toml").write_text(FAILING)
    monkeypatch.chdir(tree / "elsewhere" / "sub")
    for mode in (0o1777, 0o777, 0o1755):
        tree.chmod(mode)
        assert run("evaluate", "../../../data.csv").exit_code == 0, oct(mode)
    tree.chmod(0o755)
    assert run("evaluate", "../../../data.csv").exit_code == 1


@as_root
def test_a_config_planted_outside_home_and_repositories_is_refused_without_advising_config(
    run, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--config would run what a planted file names: the way out is --no-config."""
    planted = tree / "elsewhere" / "sub" / "losscli.toml"
    planted.write_text(FAILING)
    os.chown(planted, NOBODY, -1)
    monkeypatch.chdir(planted.parent)
    result = run("evaluate", "../../../data.csv")
    assert result.exit_code == 2
    assert "losscli.toml: the config file is owned by" in result.stderr
    assert "ignore it with --no-config, or have it moved away (it lies outside your home " in (
        result.stderr
    )
    assert "--config" not in result.stderr


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


def _with_users(tmp_path: Path, passwd: str, group: str, *command: str) -> tuple[int, str]:
    """Run ``command`` in a mount namespace of its own whose /etc/passwd and /etc/group
    have these lines added (the host's files are untouched): (exit code, standard error)."""
    import shlex
    import subprocess

    for name, lines in (("passwd", passwd), ("group", group)):
        (tmp_path / name).write_text(Path(f"/etc/{name}").read_text() + lines)
    script = (
        f"mount --bind {tmp_path / 'passwd'} /etc/passwd && "
        f"mount --bind {tmp_path / 'group'} /etc/group && exec {shlex.join(command)}"
    )
    try:
        done = subprocess.run(
            ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=120
        )
    except FileNotFoundError:
        pytest.skip("no unshare")
    if "mount" in done.stderr and done.returncode not in (0, 1, 2):
        pytest.skip(f"no mount namespace here: {done.stderr}")
    return done.returncode, done.stderr


@as_root
def test_a_group_that_is_another_users_primary_group_is_no_private_group(
    repo_config: Path, tmp_path: Path
) -> None:
    """The group ``alice`` lists no member, but it is ``bob``'s primary group (which the
    group's member list omits): a file it may write is refused, also under --config."""
    import sys

    os.chown(repo_config, 5001, 5001)
    repo_config.chmod(0o664)
    alice = "alice:x:5001:5001::/nonexistent:/bin/sh\n"
    command = (
        sys.executable,
        "-m",
        "losscli",
        "evaluate",
        "data.csv",
        "--config",
        "../losscli.toml",
    )
    code, stderr = _with_users(tmp_path, alice, "alice:x:5001:\n", *command)
    assert code == 1, stderr  # alice's own: taken, and its gate fails
    bob = "bob:x:5002:5001::/nonexistent:/bin/sh\n"
    code, stderr = _with_users(tmp_path, alice + bob, "alice:x:5001:\n", *command)
    assert code == 2, stderr
    assert "the config file is writable by the group alice (gid 5001)" in stderr
