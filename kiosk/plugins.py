"""Plugins, found through Python entry points (the way pytest and flake8 find theirs).

The core may not import the layers above it (``ui``, ``sync``), yet some of what it produces is
best made there: the printable PDF report needs Qt, which lives only in ``ui``. The upper layer
declares such a piece as an entry point in ``pyproject.toml`` under a group named here, and the
core loads the group by name, so the dependency stays pointing down.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

#: Entry-point group of extra report formats. The entry point's name is the file suffix
#: (``pdf`` → ``report-<code>.pdf``); its object is a :class:`ReportWriter`.
REPORT_WRITERS = "kiosk.report_writers"


#: Entry-point group of extra ``kiosk`` subcommands from the upper layers (``sync``'s
#: ``provision``, ``sync`` and ``erp-server``; later ``ui``'s ``run``). Its object is a
#: :class:`CommandPlugin`.
COMMANDS = "kiosk.commands"


class CommandPlugin(Protocol):
    """Subcommands contributed by an upper layer."""

    #: The subcommand names it adds (the CLI routes these to :meth:`run`).
    names: tuple[str, ...]

    def add_commands(self, commands: Any) -> None:
        """Add the subparsers to ``commands`` (an argparse subparsers object)."""

    def run(self, args: Any, config: Any) -> int:
        """Run the parsed command with the loaded config; returns the exit code."""
        ...


class ReportWriter(Protocol):
    """Writes one more format of an interview report."""

    def __call__(self, report: Mapping[str, Any], html: str, path: Path) -> None:
        """Write ``report`` (with ``html``, its HTML rendering) to ``path``, created mode 0600."""


def load_plugins(group: str) -> dict[str, object]:
    """The loaded objects of every entry point in ``group``, by entry-point name, sorted.

    A plugin that fails to load (its package or a system library it needs is missing, or it
    raises on import) is logged and left out: plugins are optional extras and must never stop
    the kiosk.
    """
    plugins: dict[str, object] = {}
    for point in sorted(entry_points(group=group), key=lambda p: p.name):
        try:
            plugins[point.name] = point.load()
        except Exception as error:  # any import-time failure: a plugin boundary
            log.warning(
                "plugin %r in %s could not be loaded (%s: %s); skipping it",
                point.name,
                group,
                type(error).__name__,
                error,
            )
    return plugins


def report_writers() -> dict[str, ReportWriter]:
    """The installed report writers (:data:`REPORT_WRITERS`), by file suffix."""
    writers: dict[str, ReportWriter] = {}
    for name, plugin in load_plugins(REPORT_WRITERS).items():
        if callable(plugin):
            writers[name] = plugin
        else:
            log.warning("plugin %r in %s is not callable; skipping it", name, REPORT_WRITERS)
    return writers


def command_plugins() -> list[CommandPlugin]:
    """The installed command plugins (:data:`COMMANDS`)."""
    plugins: list[CommandPlugin] = []
    for name, plugin in load_plugins(COMMANDS).items():
        if all(hasattr(plugin, attr) for attr in ("names", "add_commands", "run")):
            plugins.append(plugin)  # type: ignore[arg-type]
        else:
            log.warning("plugin %r in %s is not a command plugin; skipping it", name, COMMANDS)
    return plugins
