"""kiosk.fileio: atomic, private, and never replacing when asked not to."""

from __future__ import annotations

from pathlib import Path

from kiosk.fileio import write_private


def test_a_private_file_is_written_whole_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "secret"
    assert write_private(path, b"first")
    assert path.read_bytes() == b"first" and path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert write_private(path, b"second")  # replaces by default
    assert path.read_bytes() == b"second"
    assert [p.name for p in path.parent.iterdir()] == ["secret"]  # no temporary file left


def test_replace_false_keeps_the_file_another_process_wrote_first(tmp_path: Path) -> None:
    path = tmp_path / "device.key"
    assert write_private(path, b"winner", replace=False)
    assert not write_private(path, b"loser", replace=False)
    assert path.read_bytes() == b"winner"
    assert [p.name for p in tmp_path.iterdir()] == ["device.key"]
