"""Each file is evaluated once however it is named (inputs.each_file_once), its folder's
real path resolved once for all the files in it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import write_table

import losscli


def test_a_file_named_through_a_linked_folder_or_a_link_is_evaluated_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    frame = pd.DataFrame({"y": [1.0, 2.0, 3.0], "p": [1.5, 2.0, 2.5]})
    first = write_table(frame, folder / "a.parquet")
    write_table(frame * 2, folder / "b.parquet")
    (tmp_path / "linked").symlink_to(folder)
    (folder / "c.parquet").symlink_to("a.parquet")
    monkeypatch.chdir(tmp_path)
    names = [
        str(first),
        "data/a.parquet",
        "./linked/a.parquet",
        "linked/../data/a.parquet",
        str(folder / "c.parquet"),
        "data/b.parquet",
    ]
    result = losscli.evaluate(names, label="y", pred="p", losses="mse")
    assert result.frame.file.tolist() == [str(first), "data/b.parquet"]
    assert result.notices == [f"file {str(first)!r} is named more than once; it is evaluated once"]
