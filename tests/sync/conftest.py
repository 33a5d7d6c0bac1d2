"""Fixtures of the terminal-side sync tests: a CA, the reference server on HTTPS, and an
enrolled terminal store. (Module-level fixtures of the same name take precedence.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.store import SessionStore
from tests.sync.erp_helpers import ServerHandle, TlsFiles, make_tls, running_server
from tests.sync.terminal import enrol_terminal, open_terminal


@pytest.fixture
def tls(tmp_path: Path) -> TlsFiles:
    return make_tls(tmp_path / "tls")


@pytest.fixture
def server(tmp_path: Path, tls: TlsFiles) -> Iterator[ServerHandle]:
    with running_server(tmp_path / "erp", tls=tls) as handle:
        yield handle


@pytest.fixture
def store(tmp_path: Path, server: ServerHandle, tls: TlsFiles) -> Iterator[SessionStore]:
    """The terminal's store in ``tmp_path/terminal``, enrolled with ``server``."""
    terminal = open_terminal(tmp_path / "terminal")
    enrol_terminal(terminal, tmp_path / "terminal", server.url, server.issue_token(), tls)
    yield terminal
    terminal.close()
