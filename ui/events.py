"""One application-wide event filter, shared by everything that must see every event.

A Python event filter on the QApplication is called for every event of every object on the GUI
thread (paints, layouts, timers, queued calls: ~2,500 a second during an interview), and each
call takes the interpreter lock. While other threads run Python (capture, live analysis), each
of those acquisitions can wait up to the interpreter's switch interval, so a screen switch that
passes a few hundred events through the filters waits for the lock hundreds of times. Measured
with two busy Python threads beside the window, a screen switch took a median 374 ms with the
kiosk's three application filters (the guard, the corner long press, the on-screen keyboard)
and 63 ms with none.

:class:`EventHub` is the one filter: one call into Python per event, and a subscriber's handler
runs only for the event types it asked for. Handlers have ``eventFilter``'s signature; the first
that returns True swallows the event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QCoreApplication, QEvent, QObject

Handler = Callable[[QObject, QEvent], bool]

_hub: EventHub | None = None


class EventHub(QObject):
    """The application's shared event filter; get it with :func:`application_events`."""

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self._handlers: dict[QEvent.Type, list[tuple[int, Handler]]] = {}
        app.installEventFilter(self)

    def subscribe(self, owner: QObject, kinds: Iterable[QEvent.Type], handler: Handler) -> None:
        """Call ``handler`` for events of ``kinds`` until ``owner`` is destroyed (or
        :meth:`unsubscribe`)."""
        key = id(owner)
        for kind in kinds:
            self._handlers.setdefault(kind, []).append((key, handler))
        # A handler is usually the owner's bound method: it must not be called once the
        # owner's C++ side is gone.
        owner.destroyed.connect(lambda _=None, key=key: self._drop(key))

    def unsubscribe(self, owner: QObject) -> None:
        """Stop calling ``owner``'s handlers."""
        self._drop(id(owner))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        handlers = self._handlers.get(event.type())
        if handlers:
            for _, handler in tuple(handlers):
                if handler(watched, event):
                    return True
        return False

    def _drop(self, key: int) -> None:
        for kind, handlers in list(self._handlers.items()):
            kept = [entry for entry in handlers if entry[0] != key]
            if kept:
                self._handlers[kind] = kept
            else:
                del self._handlers[kind]


def application_events() -> EventHub | None:
    """The running application's hub (made and installed on first use); None before the
    application exists."""
    global _hub  # noqa: PLW0603 - one hub per application, made on first use
    app = QCoreApplication.instance()
    if app is None:
        return None
    try:
        current = _hub is not None and _hub.parent() is app
    except RuntimeError:  # the hub of an application that is gone
        current = False
    if not current:
        _hub = EventHub(app)
    assert _hub is not None
    return _hub
