"""Before anything is recorded: the personal welcome, the consent notice, and declining.

The personal welcome offers the accommodations before consent: more time, typing instead of
speaking (where the terminal offers it) and high contrast. The first two are engine events
(:class:`~kiosk.engine.ChooseAccommodations`), sent at once so the time estimate on screen
is the re-planned one and a restart keeps the choice; high contrast only changes the look and
lasts until the session ends.

The notice text is the core's (:func:`kiosk.consent.current_notice`), shown in the display
language; its version covers both languages, so switching language never changes what the
consent record names. Face analysis is agreed to separately, and only where the notice has the
clause (the ``cn`` policy profile); elsewhere nothing is asked and nothing is consented to.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QScroller

from kiosk.engine import ChooseAccommodations, Decline, GiveConsent, Proceed, Reset
from ui.screens.base import (
    HighContrastToggle,
    Screen,
    ScreenContext,
    button,
    checkbox,
    label,
    set_tab_order,
)
from ui.style import set_high_contrast


class GreetingScreen(Screen):
    """Stage GREETING: the candidate's name, the position, what will happen, and the
    accommodations the candidate may choose."""

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.title = label("title")
        self.position = label("subtitle")
        self.steps = label()
        self.accommodations = label()
        self.extra_time_check = checkbox()
        self.text_answers_check = checkbox()
        self.contrast_check = HighContrastToggle()
        self.continue_button = button("primary")
        self.continue_button.clicked.connect(lambda: self.intent.emit(Proceed()))
        self.extra_time_check.toggled.connect(self._choose)
        self.text_answers_check.toggled.connect(self._choose)
        for widget in (self.title, self.position, self.steps, self.accommodations):
            self.column.addWidget(widget)
        # In one row, with short texts (their accessible descriptions say more): three stacked
        # touch targets would push "Continue" off a 1366x768 panel.
        choices = QHBoxLayout()
        choices.setSpacing(32)
        for check in (self.extra_time_check, self.text_answers_check, self.contrast_check):
            choices.addWidget(check)
        choices.addStretch(1)
        self.column.addLayout(choices)
        self.column.addStretch(1)
        self.column.addWidget(self.continue_button)
        set_tab_order(
            self.extra_time_check,
            self.text_answers_check,
            self.contrast_check,
            self.continue_button,
        )
        self.retranslate()
        self.refresh()

    def retranslate(self) -> None:
        self.continue_button.setText(self.tr("Continue"))
        self.continue_button.setAccessibleDescription(
            self.tr("Goes on to how your interview is recorded and used.")
        )
        self.accommodations.setText(self.tr("If it helps you, choose before you continue:"))
        self.text_answers_check.setText(self.tr("Type instead of speaking"))
        self.text_answers_check.setAccessibleDescription(
            self.tr(
                "You type your answers instead of speaking them. Nothing is recorded: no sound "
                "and no video. Your typed answers are scored."
            )
        )
        self.extra_time_check.setAccessibleDescription(
            self.tr("Every preparation and answer time of every question becomes longer.")
        )

    def refresh(self) -> None:
        snapshot, setup = self.snapshot, self.context.setup
        factor = setup.extra_time_factor if setup is not None else 1.5
        self.extra_time_check.setText(
            self.tr("More time (+{percent} %)").format(percent=round((factor - 1) * 100))
        )
        # Offered only where the terminal's configuration allows it.
        self.text_answers_check.setVisible(setup is not None and setup.text_answers)
        position_id = snapshot.state.position_id if snapshot is not None else None
        if snapshot is None or setup is None or position_id is None:
            for widget in (self.title, self.position, self.steps):
                widget.clear()
            self._show_choice(False, False)
            return
        state = snapshot.state
        self._show_choice(state.extra_time, state.text_answers)
        name = snapshot.candidate_name
        self.title.setText(
            self.tr("Welcome, {name}").format(name=name) if name else self.tr("Welcome")
        )
        title = self.context.text(setup.bank.position(position_id).title)
        self.position.setText(
            self.tr("Your interview for the position of {position}").format(position=title)
        )
        seconds = sum(q.prep_seconds + q.answer_seconds for q in state.questions)
        minutes = max(1, math.ceil(seconds / 60))
        if state.text_answers:
            steps = self.tr(
                "Here is what happens next:\n"
                "1. You read how your interview is used, and decide whether to take part.\n"
                "2. You answer one practice question by typing. It is not scored.\n"
                "3. You answer {count} interview questions, in about {minutes} minutes. "
                "Nothing is recorded."
            )
        else:
            steps = self.tr(
                "Here is what happens next:\n"
                "1. You read how your interview is recorded and used, and decide whether to "
                "take part.\n"
                "2. We check the camera and the microphone.\n"
                "3. You answer one practice question. It is not scored.\n"
                "4. You answer {count} interview questions, in about {minutes} minutes."
            )
        self.steps.setText(steps.format(count=len(state.questions), minutes=minutes))

    def clear(self) -> None:
        # The next candidate starts with the standard look.
        set_high_contrast(False)
        super().clear()

    def _show_choice(self, extra_time: bool, text_answers: bool) -> None:
        """Show the engine's choice without sending it back."""
        for check, value in (
            (self.extra_time_check, extra_time),
            (self.text_answers_check, text_answers),
        ):
            check.blockSignals(True)
            check.setChecked(value)
            check.blockSignals(False)

    def _choose(self) -> None:
        self.intent.emit(
            ChooseAccommodations(
                extra_time=self.extra_time_check.isChecked(),
                text_answers=self.text_answers_check.isChecked()
                and self.text_answers_check.isVisibleTo(self),
            )
        )


class ConsentScreen(Screen):
    """Stage CONSENT: the notice, the separate face-analysis agreement, agree or decline."""

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.title = label("title")
        self.notice = label("document")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.notice_area = QScrollArea()
        self.notice_area.setWidgetResizable(True)
        self.notice_area.setWidget(self.notice)
        # Touch screens scroll by dragging the text, not by a thin scroll bar.
        QScroller.grabGesture(
            self.notice_area.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture
        )
        # Keyboard users reach the notice with Tab and scroll it with the arrow and page keys.
        self.notice_area.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.face_clause = label()
        self.face_check = checkbox()
        self.agree_button = button("primary")
        self.decline_button = button("secondary")
        self.agree_button.clicked.connect(self._agree)
        self.decline_button.clicked.connect(lambda: self.intent.emit(Decline()))
        self.column.addWidget(self.title)
        self.column.addWidget(self.notice_area, 1)
        self.column.addWidget(self.face_clause)
        self.column.addWidget(self.face_check)
        row = QHBoxLayout()
        row.addWidget(self.decline_button)
        row.addWidget(self.agree_button)
        self.column.addLayout(row)
        set_tab_order(self.notice_area, self.face_check, self.decline_button, self.agree_button)
        self.retranslate()
        self.refresh()

    def retranslate(self) -> None:
        self.title.setText(self.tr("How your interview is recorded and used"))
        self.notice_area.setAccessibleName(self.title.text())
        self.face_check.setText(self.tr("I also agree to face analysis (optional)"))
        self.agree_button.setText(self.tr("I agree, start the interview"))
        self.agree_button.setAccessibleDescription(
            self.tr("Agrees to the notice above and starts the interview.")
        )
        self.decline_button.setText(self.tr("No, thanks"))
        self.decline_button.setAccessibleDescription(
            self.tr(
                "Declines the AI interview. A recruiter will arrange an interview with a person."
            )
        )

    def refresh(self) -> None:
        setup = self.context.setup
        notice = setup.notice if setup is not None else None
        self.notice.setText(notice.texts[self.context.lang] if notice is not None else "")
        self.notice_area.setAccessibleDescription(self.notice.text())
        has_face = notice is not None and notice.face_clause is not None
        self.face_clause.setVisible(has_face)
        self.face_check.setVisible(has_face)
        if notice is not None and notice.face_clause is not None:
            self.face_clause.setText(notice.face_clause[self.context.lang])

    def clear(self) -> None:
        self.face_check.setChecked(False)
        self.notice_area.verticalScrollBar().setValue(0)
        super().clear()

    def _agree(self) -> None:
        setup = self.context.setup
        if setup is None:
            return
        face = setup.notice.face_clause is not None and self.face_check.isChecked()
        self.intent.emit(GiveConsent(setup.notice.version, face_analysis=face))


class DeclinedScreen(Screen):
    """Stage DECLINED: thanks, and a human interview instead."""

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.title = label("title")
        self.body = label()
        self.finish_button = button("primary")
        self.finish_button.clicked.connect(lambda: self.intent.emit(Reset()))
        self.column.addWidget(self.title)
        self.column.addWidget(self.body)
        self.column.addStretch(1)
        self.column.addWidget(self.finish_button)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Thank you"))
        self.body.setText(
            self.tr(
                "You chose not to take the AI interview. That is fine and does not affect your "
                "application. Nothing was recorded; only the fact that you declined is kept. A "
                "recruiter will contact you to arrange an interview with a person."
            )
        )
        self.finish_button.setText(self.tr("Finish"))
        self.finish_button.setAccessibleDescription(self.tr("Returns to the welcome screen."))
