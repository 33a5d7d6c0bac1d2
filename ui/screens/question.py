"""The practice question and the interview questions: spoken answers and multiple choice.

Prompts are shown in the interview language (fixed at check-in; ``english_speaking`` items are
always English): what the candidate reads is what they must answer in. Buttons and hints follow
the display language. Countdowns are computed from the engine state's deadline and the injected
clock on every tick of a GUI timer, so they never drift from the engine's own timers.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout

from kiosk.bank import Question
from kiosk.engine import Choose, Continue, FinishAnswer, InterviewState, Retake, Stage, StartAnswer
from ui.engine_data import Snapshot
from ui.screens.base import Screen, ScreenContext, button, clock_text, label

PREP_STAGES = (Stage.PRACTICE_PREP, Stage.PREP)
ANSWER_STAGES = (Stage.PRACTICE_ANSWER, Stage.ANSWER)
QUESTION_STAGES = (*PREP_STAGES, *ANSWER_STAGES, Stage.REVIEW)
# How long a gentle notice ("we cannot hear you") stays up.
NOTICE_MS = 10_000


class _QuestionBase(Screen):
    """The parts both question screens share: progress line, prompt, countdown."""

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.progress = label("subtitle")
        self.prompt = label("prompt")
        self.answer_language = label()
        self.countdown = label("countdown")
        self._ticker = QTimer(self)
        self._ticker.setInterval(250)
        self._ticker.timeout.connect(self.tick)

    def question(self) -> tuple[InterviewState, Question] | None:
        """The state and bank question on screen, if a question is."""
        snapshot, setup = self.snapshot, self.context.setup
        if snapshot is None or setup is None or snapshot.state.stage not in QUESTION_STAGES:
            return None
        state = snapshot.state
        return state, setup.bank.question(state.current.question_id)

    def show_question(self, state: InterviewState, question: Question) -> None:
        """Progress line, prompt and answer-language hint."""
        practice = state.stage in (Stage.PRACTICE_PREP, Stage.PRACTICE_ANSWER)
        if practice:
            progress = self.tr("Practice question. It is not scored.")
        else:
            progress = self.tr("Question {index} of {total}").format(
                index=state.index + 1, total=len(state.questions)
            )
            if state.attempt > 1:
                progress += "  ·  " + self.tr("Attempt {number}").format(number=state.attempt)
        self.progress.setText(progress)
        language = question.language or state.language
        self.prompt.setText(question.prompt.in_language(language))
        names = {"en": self.tr("English"), "zh": self.tr("Chinese")}
        self.answer_language.setText(
            self.tr("Please answer in {language}.").format(language=names[language])
            if language != self.context.lang and question.kind.is_spoken
            else ""
        )

    def clear_question(self) -> None:
        """Blank every text of the question (nothing on screen)."""
        for widget in (self.progress, self.prompt, self.answer_language, self.countdown):
            widget.clear()

    def tick(self) -> None:
        """Update the countdown from the deadline."""
        snapshot = self.snapshot
        deadline = snapshot.state.deadline if snapshot is not None else None
        if deadline is None:
            self.countdown.clear()
        else:
            self.countdown.setText(clock_text(deadline - self.context.clock.now()))

    def showEvent(self, event: QShowEvent) -> None:
        self._ticker.start()
        self.tick()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._ticker.stop()
        super().hideEvent(event)


class QuestionScreen(_QuestionBase):
    """Spoken questions (practice included): prepare, answer while recorded, then review."""

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.phase = label("subtitle")
        self.recording = label("recording")
        self.notice = label("notice")
        self.start_button = button("primary")
        self.done_button = button("primary")
        self.retake_button = button("secondary")
        self.next_button = button("primary")
        self.start_button.clicked.connect(lambda: self.intent.emit(StartAnswer()))
        self.done_button.clicked.connect(lambda: self.intent.emit(FinishAnswer()))
        self.retake_button.clicked.connect(lambda: self.intent.emit(Retake()))
        self.next_button.clicked.connect(lambda: self.intent.emit(Continue()))
        for widget in (self.progress, self.prompt, self.answer_language, self.phase):
            self.column.addWidget(widget)
        timer_row = QHBoxLayout()
        timer_row.addWidget(self.countdown)
        timer_row.addStretch(1)
        timer_row.addWidget(self.recording)
        self.column.addLayout(timer_row)
        self.column.addWidget(self.notice)
        self.column.addStretch(1)
        row = QHBoxLayout()
        for each in (self.retake_button, self.start_button, self.done_button, self.next_button):
            row.addWidget(each)
        self.column.addLayout(row)
        self._notice_kind: str | None = None
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.setInterval(NOTICE_MS)
        self._notice_timer.timeout.connect(self._hide_notice)
        self._shown_stage: tuple[Stage, int, int] | None = None
        self.retranslate()
        self.refresh()

    def retranslate(self) -> None:
        self.start_button.setText(self.tr("Start answering now"))
        self.done_button.setText(self.tr("I'm done"))
        self.recording.setText("● " + self.tr("Recording"))
        if self._notice_kind == "no_speech":
            self.notice.setText(
                self.tr("We cannot hear you yet. Please speak a little louder, facing the screen.")
            )
        elif self._notice_kind == "no_face":
            self.notice.setText(
                self.tr("Please look towards the screen, so that the camera can see your face.")
            )
        else:
            self.notice.clear()

    def refresh(self) -> None:
        shown = self.question()
        buttons = (self.start_button, self.done_button, self.retake_button, self.next_button)
        if shown is None:
            self.clear_question()
            self.phase.clear()
            self.recording.setVisible(False)
            for widget in buttons:
                widget.setVisible(False)
            return
        state, question = shown
        key = (state.stage, state.index, state.attempt)
        if key != self._shown_stage:
            self._shown_stage = key
            self._hide_notice()  # a notice belongs to the stage it was given in
        self.show_question(state, question)
        stage = state.stage
        self.recording.setVisible(stage in ANSWER_STAGES)
        self.start_button.setVisible(stage in PREP_STAGES)
        self.done_button.setVisible(stage in ANSWER_STAGES)
        review = stage is Stage.REVIEW
        planned = state.current
        self.retake_button.setVisible(review and state.attempt <= planned.retakes)
        self.next_button.setVisible(review)
        self.retake_button.setText(
            self.tr("Answer again ({count} left)").format(count=planned.retakes - state.attempt + 1)
        )
        last = state.index + 1 >= len(state.questions)
        self.next_button.setText(
            self.tr("Finish the interview") if last else self.tr("Next question")
        )
        if stage in PREP_STAGES:
            self.phase.setText(self.tr("Time to prepare. Recording starts when the time is up."))
        elif stage in ANSWER_STAGES:
            self.phase.setText(self.tr("Time to answer. Tap “I'm done” when you have finished."))
        else:
            self.phase.setText(self.tr("Your answer is saved. You may answer again or go on."))
        self.tick()

    def on_notice(self, kind: str) -> None:
        if kind in ("no_speech", "no_face"):
            self._notice_kind = kind
            self.retranslate()
            self._notice_timer.start()

    def clear(self) -> None:
        self._shown_stage = None
        self._hide_notice()
        super().clear()

    def _hide_notice(self) -> None:
        self._notice_timer.stop()
        self._notice_kind = None
        self.notice.clear()


class ChoiceScreen(_QuestionBase):
    """Multiple-choice items: one button per option; a tap is the answer."""

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.hint = label()
        for widget in (self.progress, self.prompt, self.hint, self.countdown):
            self.column.addWidget(widget)
        self._options = QVBoxLayout()
        self.column.addLayout(self._options)
        self.column.addStretch(1)
        # The option buttons of the question on screen, in the bank's order.
        self.option_buttons: list[QPushButton] = []
        self._options_for: str | None = None
        self.retranslate()
        self.refresh()

    def retranslate(self) -> None:
        self.hint.setText(self.tr("Tap the answer you choose. You cannot change it afterwards."))

    def refresh(self) -> None:
        shown = self.question()
        if shown is None or shown[0].current.mode != "choice":
            self.clear_question()
            self._build_options(None, "")
            return
        state, question = shown
        self.show_question(state, question)
        language = question.language or state.language
        if self._options_for != f"{question.id}/{state.attempt}":
            self._build_options(question, language)
            self._options_for = f"{question.id}/{state.attempt}"
        self.tick()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        # A new snapshot answers the last tap (the next item, or the same one re-sent when the
        # tap was refused): the options may be tapped again.
        for widget in self.option_buttons:
            widget.setEnabled(True)
        super().show_snapshot(snapshot)

    def _build_options(self, question: Question | None, language: str) -> None:
        for old in self.option_buttons:
            old.deleteLater()
        self.option_buttons = []
        self._options_for = None
        if question is None:
            return
        for index, option in enumerate(question.options):
            widget = button("secondary")
            widget.setText(f"{chr(ord('A') + index)}.  {option.in_language(language)}")
            widget.clicked.connect(lambda _=False, i=index: self._choose(i))
            self._options.addWidget(widget)
            self.option_buttons.append(widget)

    def _choose(self, option: int) -> None:
        # One answer per item: a second tap before the next question arrives is ignored.
        for widget in self.option_buttons:
            widget.setEnabled(False)
        self.intent.emit(Choose(option))
