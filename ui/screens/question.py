"""The practice question and the interview questions: spoken, typed and multiple-choice answers.

Prompts are shown in the interview language (fixed at check-in; ``english_speaking`` items are
always English): what the candidate reads is what they must answer in. Buttons and hints follow
the display language. Countdowns are computed from the engine state's deadline and the injected
clock on every tick of a GUI timer, so they never drift from the engine's own timers.

With the text-answer accommodation, a spoken question is answered in a large text box instead
of being recorded. The text so far goes to the engine thread as the candidate types (a short
pause after the last key, and once more at "I'm done"), so a timeout keeps what was typed; the
runner seals it, and nothing of it is logged. A "Read the question aloud" button speaks the
prompt through the loudspeaker while the candidate prepares (see :mod:`.prompt_voice`).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout

from kiosk.bank import Question
from kiosk.engine import (
    Choose,
    Continue,
    FinishAnswer,
    InterviewState,
    Retake,
    Stage,
    StartAnswer,
    TypeAnswer,
)
from ui.engine_data import Snapshot
from ui.screens.base import (
    Screen,
    ScreenContext,
    button,
    clock_text,
    label,
    option_button,
    set_tab_order,
)
from ui.screens.prompt_voice import PromptVoice

PREP_STAGES = (Stage.PRACTICE_PREP, Stage.PREP)
ANSWER_STAGES = (Stage.PRACTICE_ANSWER, Stage.ANSWER)
QUESTION_STAGES = (*PREP_STAGES, *ANSWER_STAGES, Stage.REVIEW)
# How long a gentle notice ("we cannot hear you") stays up.
NOTICE_MS = 10_000
#: After the last key, how long until the text so far is sent to the engine thread.
DRAFT_MS = 300
#: A typed answer is cut at this many characters (about four pages).
MAX_TYPED_CHARS = 10_000


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
        if self.answer_language.parentWidget() is not None:  # not on the choice screen
            # Hidden when empty, so it costs no spacing (the typed-answer box needs the height).
            self.answer_language.setVisible(bool(self.answer_language.text()))

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
        self.read_button = button("secondary")
        self.answer_box = QPlainTextEdit()
        self.answer_box.setObjectName("answer")
        self.answer_box.setTabChangesFocus(True)  # Tab leaves the box for the buttons
        self.start_button = button("primary")
        self.done_button = button("primary")
        self.retake_button = button("secondary")
        self.next_button = button("primary")
        self.read_button.clicked.connect(self._read_aloud)
        self.start_button.clicked.connect(lambda: self.intent.emit(StartAnswer()))
        self.done_button.clicked.connect(self._finish)
        self.retake_button.clicked.connect(lambda: self.intent.emit(Retake()))
        self.next_button.clicked.connect(lambda: self.intent.emit(Continue()))
        self.answer_box.textChanged.connect(self._typed)
        for widget in (self.progress, self.prompt, self.answer_language, self.phase):
            self.column.addWidget(widget)
        timer_row = QHBoxLayout()
        timer_row.addWidget(self.countdown)
        timer_row.addStretch(1)
        timer_row.addWidget(self.recording)
        self.column.addLayout(timer_row)
        self.column.addWidget(self.notice)
        self.column.addWidget(self.answer_box, 1)
        self._stretch_at = self.column.count()
        self.column.addStretch(1)
        row = QHBoxLayout()
        # "Read aloud" shares the row with "Start answering now" (both are preparation's): a
        # row of its own would push a long prompt's buttons off a 1366x768 panel.
        for each in (
            self.read_button,
            self.retake_button,
            self.start_button,
            self.done_button,
            self.next_button,
        ):
            row.addWidget(each)
        self.column.addLayout(row)
        set_tab_order(
            self.read_button,
            self.answer_box,
            self.retake_button,
            self.start_button,
            self.done_button,
            self.next_button,
        )
        self._notice_kind: str | None = None
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.setInterval(NOTICE_MS)
        self._notice_timer.timeout.connect(self._hide_notice)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_MS)
        self._draft_timer.timeout.connect(self._send_draft)
        self._shown_stage: tuple[Stage, int, int] | None = None
        self._voice: PromptVoice | None = None
        self.retranslate()
        self.refresh()

    @property
    def prompt_voice(self) -> PromptVoice | None:
        """What reads prompts aloud (made from the terminal's speaker settings once the kiosk
        is ready; None before)."""
        setup = self.context.setup
        if self._voice is None and setup is not None:
            self.set_prompt_voice(PromptVoice(setup.speaker_kind, setup.speaker_device))
        return self._voice

    def set_prompt_voice(self, voice: PromptVoice) -> None:
        """Read prompts aloud with ``voice`` (a terminal's own speaker, chosen by config)."""
        if self._voice is not None:
            self._voice.finished.disconnect(self._read_finished)
        voice.setParent(self)
        voice.finished.connect(self._read_finished)
        self._voice = voice
        self.refresh()

    def retranslate(self) -> None:
        self.start_button.setText(self.tr("Start answering now"))
        self.start_button.setAccessibleDescription(
            self.tr("Ends the preparation time and starts your answer.")
        )
        self.done_button.setText(self.tr("I'm done"))
        self.done_button.setAccessibleDescription(self.tr("Ends your answer and saves it."))
        self.retake_button.setAccessibleDescription(
            self.tr("Answer this question again. The new answer replaces this one.")
        )
        self.next_button.setAccessibleDescription(self.tr("Keeps your answer and goes on."))
        self.read_button.setAccessibleDescription(
            self.tr("Reads the question aloud through the loudspeaker.")
        )
        # The box says what to do (the phase line makes room for it while typing).
        self.answer_box.setPlaceholderText(
            self.tr("Type your answer here. Tap “I'm done” when you have finished.")
        )
        self.answer_box.setAccessibleName(self.tr("Your answer"))
        self.answer_box.setAccessibleDescription(
            self.tr("Your typed answer is saved when you tap “I'm done” or when the time is up.")
        )
        self.recording.setText("● " + self.tr("Recording"))
        if self._notice_kind == "no_speech":
            self.notice.setText(
                self.tr("We cannot hear you yet. Please speak a little louder, facing the screen.")
            )
        elif self._notice_kind == "no_face":
            self.notice.setText(
                self.tr("Please look towards the screen, so that the camera can see your face.")
            )
        elif self._notice_kind == "read_failed":
            self.notice.setText(self.tr("Sorry, the question cannot be read aloud right now."))
        else:
            self.notice.clear()

    def refresh(self) -> None:
        shown = self.question()
        buttons = (
            self.start_button,
            self.done_button,
            self.retake_button,
            self.next_button,
            self.read_button,
        )
        if shown is None:
            self.clear_question()
            self.phase.clear()
            self.recording.setVisible(False)
            for widget in buttons:
                widget.setVisible(False)
            self._show_answer_box(False)
            return
        state, question = shown
        key = (state.stage, state.index, state.attempt)
        if key != self._shown_stage:
            self._shown_stage = key
            self._hide_notice()  # a notice belongs to the stage it was given in
            self._clear_answer_box()  # a new answer starts empty
        self.show_question(state, question)
        stage = state.stage
        typing = stage in ANSWER_STAGES and state.typing
        self.recording.setVisible(stage in ANSWER_STAGES and not typing)
        self._show_answer_box(typing)
        voice = self._voice if self._voice is not None else self.prompt_voice
        reading = voice is not None and voice.reading
        if reading and voice is not None and stage not in PREP_STAGES:
            # The preparation time ran out mid-reading: the recording must not hear it.
            voice.stop()
        self.read_button.setVisible(stage in PREP_STAGES and voice is not None and voice.available)
        self.read_button.setEnabled(not reading)
        self.read_button.setText(
            self.tr("Reading the question aloud…")
            if reading
            else self.tr("Read the question aloud")
        )
        # Not while it reads: in a spoken interview the recording would hear the loudspeaker.
        self.start_button.setVisible(stage in PREP_STAGES)
        self.start_button.setEnabled(not reading)
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
        typed_interview = state.text_answers and planned.mode == "spoken"
        if stage in PREP_STAGES and typed_interview:
            self.phase.setText(
                self.tr("Time to prepare. You can type your answer when the time is up.")
            )
        elif stage in PREP_STAGES:
            self.phase.setText(self.tr("Time to prepare. Recording starts when the time is up."))
        elif stage in ANSWER_STAGES:
            self.phase.setText(self.tr("Time to answer. Tap “I'm done” when you have finished."))
        else:
            self.phase.setText(self.tr("Your answer is saved. You may answer again or go on."))
        # While typing, the box's own text says what to do, and the box needs the height.
        self.phase.setVisible(not typing)
        self.tick()

    def on_notice(self, kind: str) -> None:
        if kind in ("no_speech", "no_face"):
            self._show_notice(kind)

    def clear(self) -> None:
        self._shown_stage = None
        self._hide_notice()
        self._clear_answer_box()
        super().clear()

    def tick(self) -> None:
        super().tick()
        snapshot = self.snapshot
        deadline = snapshot.state.deadline if snapshot is not None else None
        nearly_up = deadline is not None and deadline - self.context.clock.now() < 1.0
        if self._draft_timer.isActive() and nearly_up:
            self._send_draft()  # the time is nearly up: do not wait for a pause in typing

    def _show_notice(self, kind: str) -> None:
        self._notice_kind = kind
        self.retranslate()
        self.notice.setVisible(True)
        self._notice_timer.start()

    def _show_answer_box(self, shown: bool) -> None:
        if self.answer_box.isHidden() != shown:
            return  # already as asked
        self.answer_box.setVisible(shown)
        # The box takes the free height while shown; the stretch does when it is not.
        self.column.setStretch(self._stretch_at, 0 if shown else 1)
        if shown:
            self.answer_box.setFocus()  # ready to type (an on-screen keyboard follows focus)

    def _clear_answer_box(self) -> None:
        self._draft_timer.stop()
        # Quietly: clearing is not typing, and must not send an empty draft.
        self.answer_box.blockSignals(True)
        self.answer_box.clear()
        self.answer_box.blockSignals(False)

    def _typed(self) -> None:
        if self.answer_box.isVisibleTo(self):
            self._draft_timer.start()

    def _send_draft(self) -> None:
        self._draft_timer.stop()
        text = self.answer_box.toPlainText()[:MAX_TYPED_CHARS]
        self.intent.emit(TypeAnswer(text))

    def _finish(self) -> None:
        snapshot = self.snapshot
        if snapshot is not None and snapshot.state.typing and self.answer_box.isVisibleTo(self):
            self._send_draft()  # the last keys, before the answer ends (the order is kept)
        self.intent.emit(FinishAnswer())

    def _read_aloud(self) -> None:
        shown, voice = self.question(), self._voice
        if shown is None or voice is None:
            return
        state, question = shown
        language = question.language or state.language
        if voice.read(question.prompt.in_language(language), language):
            self.refresh()

    def _read_finished(self, played: bool) -> None:
        if not played:
            self._show_notice("read_failed")
        self.refresh()

    def _hide_notice(self) -> None:
        self._notice_timer.stop()
        self._notice_kind = None
        self.notice.clear()
        self.notice.setVisible(False)  # no empty line's spacing while there is no notice


class ChoiceScreen(_QuestionBase):
    """Multiple-choice items: one button per option; a tap is the answer."""

    def __init__(self, context: ScreenContext) -> None:
        super().__init__(context)
        self.hint = label()
        # The countdown beside the progress line: four options must fit a 1366×768 panel.
        top = QHBoxLayout()
        top.addWidget(self.progress, 1)
        top.addWidget(self.countdown)
        self.column.addLayout(top)
        for widget in (self.prompt, self.hint):
            self.column.addWidget(widget)
        self._options = QVBoxLayout()
        self._options.setSpacing(12)
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
            widget = option_button()
            widget.setText(f"{chr(ord('A') + index)}.  {option.in_language(language)}")
            widget.clicked.connect(lambda _=False, i=index: self._choose(i))
            self._options.addWidget(widget)
            self.option_buttons.append(widget)

    def _choose(self, option: int) -> None:
        # One answer per item: a second tap before the next question arrives is ignored.
        for widget in self.option_buttons:
            widget.setEnabled(False)
        self.intent.emit(Choose(option))
