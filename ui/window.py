"""The kiosk window: one screen per stage, the language switch, inactivity and hardening.

The window is a view. It shows the screen for the engine's latest :class:`Snapshot`, hands taps
to the :class:`EngineHost` (which runs them on the engine thread) and never waits for anything:
results come back as signals. The header with the zh / en switch sits above every screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QScroller,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.clock import Clock
from kiosk.engine import Abandon, Event, InterviewState, Reset, Stage
from kiosk.errors import ErrorKind, KioskError
from kiosk.staff import StaffServices
from ui.engine_data import RECORDING_STAGES, EngineSetup, Snapshot, ViewMode
from ui.engine_host import EngineHost
from ui.events import application_events
from ui.hardening import CornerLongPress, KioskGuard
from ui.i18n import LANGUAGE_NAMES, UiLanguage
from ui.inactivity import InactivityTimer
from ui.keyboard import OnScreenKeyboard
from ui.screens.base import HighContrastToggle, Screen, ScreenContext, label, safe_message
from ui.screens.closing import (
    DoneScreen,
    InterruptedScreen,
    PausedScreen,
    StatusScreen,
)
from ui.screens.consent import ConsentScreen, DeclinedScreen, GreetingScreen
from ui.screens.devicecheck import DeviceCheckScreen
from ui.screens.question import QUESTION_STAGES, ChoiceScreen, QuestionScreen
from ui.screens.welcome import WelcomeScreen
from ui.staff.area import StaffArea
from ui.staff.calls import StaffCalls
from ui.staff.context import StaffContext

# How long an error or information banner stays up.
BANNER_MS = 12_000
#: The smallest the screens are laid out at (their own minimum size hints are far larger, see
#: :meth:`KioskWindow._build`).
STACK_MIN = (640, 400)


@dataclass(frozen=True)
class Screens:
    """Every screen of the window, by role."""

    status: StatusScreen
    welcome: WelcomeScreen
    greeting: GreetingScreen
    consent: ConsentScreen
    declined: DeclinedScreen
    device_check: DeviceCheckScreen
    question: QuestionScreen
    choice: ChoiceScreen
    paused: PausedScreen
    done: DoneScreen
    interrupted: InterruptedScreen

    def all(self) -> tuple[Screen, ...]:
        """All of them, in declaration order."""
        return tuple(getattr(self, name) for name in self.__dataclass_fields__)


class KioskWindow(QMainWindow):
    """The candidate-facing window. Call :meth:`show_kiosk`, then ``host.start()``."""

    # The hidden corner gesture was made: staff want to log in.
    staff_login_requested = Signal()

    def __init__(
        self,
        host: EngineHost,
        clock: Clock,
        *,
        kiosk_mode: bool = True,
        language: str | None = None,
        inactivity_seconds: float | None = None,
        long_press_ms: int = 3000,
        busy_delay_ms: int = 300,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Interview Kiosk")
        self._host = host
        self._kiosk_mode = kiosk_mode
        self.language = UiLanguage(parent=self)
        if language is not None:
            self.language.set(language)
        self.context = ScreenContext(clock, self.language)
        self._snapshot: Snapshot | None = None
        self._closing_requested = False  # we sent Reset/Abandon: WELCOME next is expected
        self._staff_active = False
        self._wiped = False
        self._close_allowed = False
        self._banner_kind: tuple[str, str] | None = None
        self._inactivity_override = inactivity_seconds
        self._build()
        self._connect(host)
        self._guard = KioskGuard(self)
        self._long_press = CornerLongPress(self, hold_ms=long_press_ms, parent=self)
        events = application_events()
        if events is not None:
            events.subscribe(self._guard, KioskGuard.EVENTS, self._guard.eventFilter)
            events.subscribe(self._long_press, CornerLongPress.EVENTS, self._long_press.eventFilter)
        self._idle = InactivityTimer(inactivity_seconds or 90.0, self)
        self._idle.expired.connect(self._on_idle)
        self._guard.activity.connect(self._idle.touch)
        self._long_press.triggered.connect(self.staff_login_requested)
        self.staff_login_requested.connect(self._show_staff)
        self._busy_timer = _single_shot(self, self._show_busy, busy_delay_ms)
        self._busy_screen: QWidget | None = None  # disabled while the engine is busy
        self._banner_timer = _single_shot(self, self._hide_banner, BANNER_MS)

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        central = QWidget()
        column = QVBoxLayout(central)
        self._column = column
        column.setContentsMargins(0, 8, 16, 0)
        header = QHBoxLayout()
        # The top-left corner stays empty: it is where staff hold their finger.
        header.addStretch(1)
        # High contrast on every screen, beside the language: a candidate who needs it may
        # not get as far as the personal welcome, where the accommodations are.
        self.contrast_toggle = HighContrastToggle()
        header.addWidget(self.contrast_toggle)
        header.addSpacing(16)
        self._language_row = QHBoxLayout()
        header.addLayout(self._language_row)
        column.addLayout(header)
        self.language_buttons: dict[str, QPushButton] = {}
        self._language_group = QButtonGroup(self)
        self._language_group.setExclusive(True)
        self.banner = label("banner")
        self.banner.setVisible(False)
        # Over the top of the page, not in the column: a row appearing there would lay the
        # whole screen out again, on the GUI thread, just as the engine is busy.
        self.busy_label = label("banner", center=True)
        self.busy_label.setParent(central)
        self.busy_label.setVisible(False)
        column.addWidget(self.banner)
        self.stack = _ScreenStack()
        # A screen's minimum size hint is measured with every word-wrapped label at its
        # narrowest, which is far taller than the screen is at the panel's width, and the stack
        # would take the largest over all screens: the window would then refuse to fit the
        # panel. The screens fit by design; ui/layout_check.py and tests/ui/test_screens_fit.py
        # check that each one does at 1920×1080 and 1366×768.
        self.stack.setMinimumSize(*STACK_MIN)
        # The screens sit in a page that scrolls only while the on-screen keyboard is up: the
        # screen keeps its size instead of being squeezed into what is left above the keys,
        # and the focused field is scrolled into view (as phones do).
        self.page = QScrollArea()
        self.page.setObjectName("page")
        self.page.setFrameShape(QFrame.Shape.NoFrame)
        self.page.setWidgetResizable(True)
        self.page.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # No scroll bar either: one appearing with the keyboard would narrow the screen and lay
        # it out again. The focused field is scrolled into view, and a finger drags the page.
        self.page.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(self.page.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.page.setWidget(self.stack)
        # setWidget makes the stack fill itself with the palette's grey; the theme's ground
        # (behind every screen, black in high contrast) must show through instead.
        self.stack.setAutoFillBackground(False)
        self.page.viewport().setAutoFillBackground(False)
        column.addWidget(self.page, 1)
        # Under the screens, shown while a text field has the focus (a touch-only terminal has
        # no other keyboard).
        self.keyboard = OnScreenKeyboard()
        # Styled, laid out and drawn once now, off screen, rather than the first time a field
        # is tapped: polishing 45 keys and caching their glyphs took ~20 ms there.
        self.keyboard.ensurePolished()
        self.keyboard.grab()
        self.keyboard.installEventFilter(self)
        self.page.viewport().installEventFilter(self)
        column.addWidget(self.keyboard)
        self.setCentralWidget(central)
        context = self.context
        self.screens = Screens(
            status=StatusScreen(context),
            welcome=WelcomeScreen(context),
            greeting=GreetingScreen(context),
            consent=ConsentScreen(context),
            declined=DeclinedScreen(context),
            device_check=DeviceCheckScreen(context),
            question=QuestionScreen(context),
            choice=ChoiceScreen(context),
            paused=PausedScreen(context),
            done=DoneScreen(context),
            interrupted=InterruptedScreen(context),
        )
        for screen in self.screens.all():
            self.stack.addWidget(screen)
        # Staff work runs on a thread of its own, against the kiosk the engine assembled.
        self.staff_calls = StaffCalls(self._staff_services, parent=self)
        self.staff = StaffArea(StaffContext(self.staff_calls, self.language, self.context.clock))
        # A wipe still running when staff left ends with no page to tell: look at the core.
        self.staff_calls.busy.connect(self._after_staff_work)
        self.stack.addWidget(self.staff)
        self.stack.setCurrentWidget(self.screens.status)
        self._set_language_buttons(self.language.languages)

    def _connect(self, host: EngineHost) -> None:
        screens = self.screens
        for screen in screens.all():
            screen.intent.connect(self._send)
        screens.welcome.check_in_requested.connect(host.check_in)
        screens.welcome.code_entered.connect(host.check_in_with_code)
        screens.device_check.check_requested.connect(host.check_devices)
        screens.interrupted.dismissed.connect(self._show_welcome)
        self.staff.closed.connect(self._leave_staff)
        self.staff.wiped.connect(self._on_wiped)
        host.ready.connect(self._on_ready)
        host.snapshot.connect(self._on_snapshot)
        host.notice.connect(self._on_notice)
        host.failed.connect(self._on_failed)
        host.invitation_refused.connect(screens.welcome.show_refused)
        host.devices_checked.connect(screens.device_check.show_result)
        host.busy.connect(self._on_busy)
        # The camera: a preview where the screen shows one, and the QR scan on the welcome.
        host.preview.connect(self._on_preview)
        host.code_scanned.connect(screens.welcome.scan_code)
        host.scan_refused.connect(screens.welcome.show_scan_refused)
        host.speech_heard.connect(screens.device_check.show_heard)
        self.stack.currentChanged.connect(self._on_screen_changed)
        # The result is stored: the done screen prints its receipt when it shows it.
        host.finished.connect(screens.done.expect_receipt)
        self.language.changed.connect(self._on_language_changed)

    def _set_language_buttons(self, languages: tuple[str, ...]) -> None:
        for old in self.language_buttons.values():
            self._language_group.removeButton(old)
            old.deleteLater()
        self.language_buttons = {}
        for code in languages:
            widget = QPushButton(LANGUAGE_NAMES[code])
            widget.setObjectName("language")
            widget.setCheckable(True)
            widget.setChecked(code == self.language.current)
            # Reachable with Tab, never focused by a tap (see ui.screens.base.button).
            widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            widget.setAccessibleName(LANGUAGE_NAMES[code])
            widget.clicked.connect(lambda _=False, c=code: self.language.set(c))
            self._language_group.addButton(widget)
            self._language_row.addWidget(widget)
            self.language_buttons[code] = widget

    # -- public -----------------------------------------------------------------------------

    def show_kiosk(self) -> None:
        """Full screen without decorations (kiosk mode), or a normal window (development)."""
        if self._kiosk_mode:
            self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
            self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
            self.showFullScreen()
        else:
            self.resize(1280, 800)
            self.show()
        self._idle.touch()
        QTimer.singleShot(0, self, self._warm_up_keyboard)

    def _warm_up_keyboard(self) -> None:
        # Lay the window out once with the keyboard up, at the window's real size and with no
        # paint in between, so the first candidate's tap on a field does not pay for it
        # (~20 ms of first-time layout in one event, measured with benchmarks/gui.py).
        if self.keyboard.isVisible():
            return
        self.setUpdatesEnabled(False)
        try:
            self.keyboard.setVisible(True)
            self._column.activate()
            self.keyboard.setVisible(False)
            self._column.activate()
        finally:
            self.setUpdatesEnabled(True)

    @property
    def snapshot(self) -> Snapshot | None:
        """The latest snapshot from the engine (None before the first)."""
        return self._snapshot

    def set_inactivity_seconds(self, seconds: float) -> None:
        """Change the inactivity period (it takes effect from now)."""
        self._inactivity_override = seconds
        self._idle.set_period(seconds)

    def current_screen(self) -> QWidget | None:
        """The screen on display."""
        return self.stack.currentWidget()

    def shutdown(self) -> None:
        """Close the window on staff's (or the operating system's) behalf; the host is stopped
        by whoever started it."""
        self._close_allowed = True
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self._guard)
            app.removeEventFilter(self._long_press)
        self._idle.stop()
        self._busy_timer.stop()
        self._banner_timer.stop()
        self.staff_calls.stop()
        self.screens.done.printer.wait()
        self.close()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.keyboard and kind == QEvent.Type.Show:
            # Normally the height held already; not if the window was resized meanwhile.
            full = self.page.viewport().height() + self.keyboard.height()
            self._hold_screen_height(full + max(0, self._column.spacing()))
            QTimer.singleShot(0, self._reveal_focus)
        elif watched is self.page.viewport() and kind == QEvent.Type.Resize:
            self._hold_screen_height()
        return False

    def _hold_screen_height(self, page_height: int | None = None) -> None:
        # The screen is held at the page's full height: when the keys take their place, the
        # page shrinks and scrolls but the screen keeps its size, so showing the keyboard lays
        # no screen out again (a screen with wrapped text takes ~20 ms to lay out, twice over
        # when it shrinks and grows back). Only the page's own size sets it, not the keys'.
        if page_height is None:
            if self.keyboard.isVisible():
                return
            page_height = self.page.viewport().height()
        height = max(STACK_MIN[1], page_height)
        if self.stack.minimumHeight() != height:
            self.stack.setMinimumHeight(height)

    def _reveal_focus(self) -> None:
        focused = QApplication.focusWidget()
        if focused is not None and self.stack.isAncestorOf(focused):
            self.page.ensureWidgetVisible(focused, 0, 24)

    def closeEvent(self, event: QCloseEvent) -> None:
        # Alt+F4 from a window manager, or any other close a candidate could trigger.
        if self._close_allowed:
            event.accept()
        else:
            event.ignore()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._render_banner()
            self.busy_label.setText(self.tr("One moment, please…"))
        super().changeEvent(event)

    # -- engine signals ---------------------------------------------------------------------

    def _on_ready(self, setup: EngineSetup) -> None:
        self.context.setup = setup
        offered = tuple(code for code in setup.languages if code in LANGUAGE_NAMES)
        self.language.set_languages(offered)
        self._set_language_buttons(offered if len(offered) > 1 else ())
        if self._inactivity_override is None:
            self._idle.set_period(setup.inactivity_seconds)
        self.language.set(setup.default_language)
        for screen in self.screens.all():
            screen.refresh()
        if self._snapshot is None:
            self._switch_to(self.screens.welcome)

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        previous, self._snapshot = self._snapshot, snapshot
        state = snapshot.state
        was = previous.state.stage if previous is not None else Stage.WELCOME
        target: Screen
        if state.stage is Stage.WELCOME:
            unexpected = was is not Stage.WELCOME and not was.is_closing
            unexpected = unexpected and not self._closing_requested
            self._closing_requested = False
            self._forget()
            target = self.screens.interrupted if unexpected else self.screens.welcome
        else:
            target = self._screen_for(state)
            target.show_snapshot(snapshot)
        if state.stage is not was:
            self._hide_banner()
        if snapshot.resumed:
            self._show_banner("resumed")
        self._idle.stage_changed(was, state.stage)
        self._switch_to(target)

    def _on_notice(self, kind: str) -> None:
        screen = self.current_screen()
        if isinstance(screen, Screen):
            screen.on_notice(kind)

    def _on_failed(self, kind: str, fatal: bool) -> None:
        if fatal:
            self.screens.status.show_error(kind)
            self._switch_to(self.screens.status)
            return
        self._show_banner("error", kind)
        screen = self.current_screen()
        if isinstance(screen, Screen):
            screen.on_failed(kind)

    def _on_busy(self, busy: bool) -> None:
        if busy:
            self._busy_timer.start()
            return
        self._busy_timer.stop()
        self.busy_label.setVisible(False)
        if self._busy_screen is not None:
            self._busy_screen.setEnabled(True)
            self._busy_screen = None

    def _show_busy(self) -> None:
        # Only after a moment: most intents finish in milliseconds, and a flash would distract.
        # Disabling the screen also stops taps piling up behind a slow one (e.g. finalising).
        self.busy_label.setText(self.tr("One moment, please…"))
        area = self.page.geometry()
        height = self.busy_label.heightForWidth(area.width())
        height = max(height, self.busy_label.sizeHint().height())
        self.busy_label.setGeometry(area.x(), area.y(), area.width(), height)
        self.busy_label.raise_()
        self.busy_label.setVisible(True)
        # The screen shown, not the whole stack: disabling re-styles every widget under it,
        # and the hidden screens' hundreds would cost the GUI thread ~10 ms for nothing.
        self._busy_screen = self.stack.currentWidget()
        if self._busy_screen is not None:
            self._busy_screen.setEnabled(False)

    def _on_preview(self) -> None:
        frame = self._host.take_preview()
        if frame is None:
            return  # taken with an earlier nudge
        if frame.mode == "welcome":
            self.screens.welcome.show_preview(frame)
        elif frame.mode == "device_check":
            self.screens.device_check.show_preview(frame)

    def _on_screen_changed(self, _: int) -> None:
        # The engine reads the camera only while a screen shows what it sees.
        current = self.stack.currentWidget()
        mode: ViewMode = "off"
        if current is self.screens.welcome:
            mode = "welcome"
        elif current is self.screens.device_check:
            mode = "device_check"
        self._host.show_view(mode)

    # -- routing ----------------------------------------------------------------------------

    def _screen_for(self, state: InterviewState) -> Screen:
        stage = state.stage
        if stage in QUESTION_STAGES:
            choice = stage is Stage.ANSWER and state.current.mode == "choice"
            return self.screens.choice if choice else self.screens.question
        return {
            Stage.GREETING: self.screens.greeting,
            Stage.CONSENT: self.screens.consent,
            Stage.DECLINED: self.screens.declined,
            Stage.DEVICE_CHECK: self.screens.device_check,
            Stage.PAUSED: self.screens.paused,
            Stage.DONE: self.screens.done,
            Stage.INTERRUPTED: self.screens.interrupted,
        }.get(stage, self.screens.welcome)

    def _switch_to(self, screen: Screen) -> None:
        if not self._wiped and self._store_retired():
            # Wiped without the admin page saying so (staff left while it ran, or it stopped
            # half-way after the keys were gone): the core's flag is what counts.
            self._on_wiped(None)
        if self._wiped:
            screen = self.screens.status
        if not self._staff_active and self.stack.currentWidget() is not screen:
            self.stack.setCurrentWidget(screen)

    def _send(self, event: Event) -> None:
        self._host.send(event)

    def _forget(self) -> None:
        """Back at the welcome state: nothing personal may stay in any widget."""
        for screen in self.screens.all():
            screen.clear()
        self._hide_banner()

    def _show_welcome(self) -> None:
        self._forget()
        self._switch_to(self.screens.welcome)

    def _staff_services(self) -> StaffServices:
        # Called on the staff thread, at the first staff call.
        kiosk = self._host.kiosk
        if kiosk is None:
            raise KioskError("the kiosk has not started", kind=ErrorKind.DEVICE_UNAVAILABLE)
        return StaffServices.of(kiosk, self.context.clock.now)

    def _show_staff(self) -> None:
        if self._staff_active:
            return
        self._staff_active = True
        self.staff.open()
        self.stack.setCurrentWidget(self.staff)

    def _after_staff_work(self, busy: bool) -> None:
        if not busy and not self._wiped and self._store_retired():
            self._on_wiped(None)
            if not self._staff_active:
                self._switch_to(self.screens.status)

    def _store_retired(self) -> bool:
        kiosk = self._host.kiosk
        return kiosk is not None and kiosk.store.retired

    def _on_wiped(self, _report: object) -> None:
        # The store is closed and its files are gone: no candidate may start an interview on
        # it, whatever happens next (logout, inactivity). Only a restart brings it back.
        if self._wiped:
            return
        self._wiped = True
        self.screens.status.show_error(ErrorKind.CONFIG_INVALID.value)
        self._host.stop(30)

    def _leave_staff(self) -> None:
        self._staff_active = False
        state = self._snapshot.state if self._snapshot is not None else InterviewState()
        if self.context.setup is None:
            self._switch_to(self.screens.status)
        elif state.stage is Stage.WELCOME:
            self._switch_to(self.screens.welcome)
        else:
            self._switch_to(self._screen_for(state))

    # -- inactivity -------------------------------------------------------------------------

    def _on_idle(self) -> None:
        if self._staff_active:
            self.staff.leave()  # logs out; its closed signal gives the screen back
            return
        stage = self._snapshot.state.stage if self._snapshot is not None else Stage.WELCOME
        if stage is Stage.WELCOME:
            self._show_welcome()  # also forgets a half-typed name or code
        elif stage.is_closing:
            self._closing_requested = True
            self._host.send(Reset())
        elif stage not in RECORDING_STAGES:
            # The candidate walked away mid-interview: the engine closes it as interrupted.
            self._closing_requested = True
            self._host.send(Abandon())

    # -- banner -----------------------------------------------------------------------------

    def _show_banner(self, kind: str, detail: str = "") -> None:
        self._banner_kind = (kind, detail)
        self._render_banner()
        self._banner_timer.start()

    def _hide_banner(self) -> None:
        self._banner_kind = None
        self._banner_timer.stop()
        self._render_banner()

    def _render_banner(self) -> None:
        if self._banner_kind is None:
            self.banner.clear()
            self.banner.setVisible(False)
            return
        kind, detail = self._banner_kind
        if kind == "error":
            text = safe_message(detail, self.language.current)
        else:
            text = self.tr("Welcome back. Your interview continues where it stopped.")
        self.banner.setText(text)
        self.banner.setVisible(True)

    def _on_language_changed(self, language: str) -> None:
        for code, widget in self.language_buttons.items():
            widget.setChecked(code == language)
        self._render_banner()


class _ScreenStack(QStackedWidget):
    """The screens, always exactly as tall as the page shows them (unless the on-screen keyboard
    holds them at their height): the page scroll area would otherwise size them by their
    height-for-width, which counts every word-wrapped label at its tallest, and scroll."""

    def heightForWidth(self, width: int) -> int:
        return -1


def _single_shot(parent: QWidget, slot: Callable[[], None], interval_ms: int = 0) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    return timer
