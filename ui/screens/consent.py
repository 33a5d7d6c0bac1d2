"""Before anything is recorded: the personal welcome, the consent notice, and declining.

The notice text is the core's (:func:`kiosk.consent.current_notice`), shown in the display
language; its version covers both languages, so switching language never changes what the
consent record names. Face analysis is agreed to separately, and only where the notice has the
clause (the ``cn`` policy profile); elsewhere nothing is asked and nothing is consented to.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QScrollArea, QScroller, QSizePolicy

from kiosk.engine import Decline, GiveConsent, Proceed, Reset
from ui.screens.base import Screen, ScreenContext, button, label


class GreetingScreen(Screen):
    """Stage GREETING: the candidate's name, the position, and what will happen."""

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.title = label("title")
        self.position = label("subtitle")
        self.steps = label()
        self.continue_button = button("primary")
        self.continue_button.clicked.connect(lambda: self.intent.emit(Proceed()))
        for widget in (self.title, self.position, self.steps):
            self.column.addWidget(widget)
        self.column.addStretch(1)
        self.column.addWidget(self.continue_button)
        self.retranslate()
        self.refresh()

    def retranslate(self) -> None:
        self.continue_button.setText(self.tr("Continue"))

    def refresh(self) -> None:
        snapshot, setup = self.snapshot, self.context.setup
        position_id = snapshot.state.position_id if snapshot is not None else None
        if snapshot is None or setup is None or position_id is None:
            for widget in (self.title, self.position, self.steps):
                widget.clear()
            return
        state = snapshot.state
        name = snapshot.candidate_name
        self.title.setText(
            self.tr("Welcome, {name}").format(name=name) if name else self.tr("Welcome")
        )
        title = self.context.text(setup.bank.position(position_id).title)
        self.position.setText(
            self.tr("Your interview for the position of {position}").format(position=title)
        )
        seconds = sum(q.prep_seconds + q.answer_seconds for q in state.questions)
        self.steps.setText(
            self.tr(
                "Here is what happens next:\n"
                "1. You read how your interview is recorded and used, and decide whether to "
                "take part.\n"
                "2. We check the camera and the microphone.\n"
                "3. You answer one practice question. It is not scored.\n"
                "4. You answer {count} interview questions, in about {minutes} minutes."
            ).format(count=len(state.questions), minutes=max(1, math.ceil(seconds / 60)))
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
        self.face_clause = label()
        self.face_check = QCheckBox()
        # As wide as its box and text: a tap anywhere on it toggles it (no dead space).
        self.face_check.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
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
        self.retranslate()
        self.refresh()

    def retranslate(self) -> None:
        self.title.setText(self.tr("How your interview is recorded and used"))
        self.face_check.setText(self.tr("I also agree to face analysis (optional)"))
        self.agree_button.setText(self.tr("I agree, start the interview"))
        self.decline_button.setText(self.tr("No, thanks"))

    def refresh(self) -> None:
        setup = self.context.setup
        notice = setup.notice if setup is not None else None
        self.notice.setText(notice.texts[self.context.lang] if notice is not None else "")
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
