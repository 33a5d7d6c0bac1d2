"""Review of one report: override a competency's score with a reason; advance, hold or reject.

Both go through :class:`kiosk.review.ReviewDesk` on the staff thread, which checks the role
(a department head only within their departments), checks the input (a score 0-100, a reason)
and seals and audits the review. A refusal is shown here as a message, never raised. After
each change the standing reviews are read back from the store, so the table shows what was
stored, not what was typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.dashboard import ReviewState, latest_reviews
from kiosk.review import DECISIONS, Decision
from kiosk.staff import StaffServices
from ui.screens.base import label
from ui.staff.admin_common import restyle
from ui.staff.calls import StaffFailure
from ui.staff.context import StaffContext
from ui.staff.recruiter_format import (
    decision_names,
    failure_text,
    staff_button,
    when_text,
)


class ReviewPanel(QWidget):
    """The competency scores with their overrides, an override form and the decision."""

    #: The stored reviews changed (an override or a decision was saved).
    changed = Signal(object)  # ReviewState

    def __init__(self, context: StaffContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.session_id: str | None = None
        self.competencies: list[Mapping[str, Any]] = []
        self.state = ReviewState()
        self._message: tuple[str, str] | None = None  # (kind, text): "good" or a failure kind
        self._build()
        self.retranslate()

    def _build(self) -> None:
        # Two columns: the scores on the left, what the reviewer does on the right.
        row = QHBoxLayout(self)
        row.setSpacing(24)
        scores = QVBoxLayout()
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("competencies")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):  # the numbers take what they need, the words the rest
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(240)
        scores.addWidget(self.table, 1)
        self.unscored = label("notice")
        scores.addWidget(self.unscored)
        row.addLayout(scores, 3)
        actions = QVBoxLayout()
        actions.setSpacing(8)
        row.addLayout(actions, 2)
        self._build_override(actions)
        self._build_decision(actions)

    def _build_override(self, actions: QVBoxLayout) -> None:
        self.override_title = label("subtitle")
        actions.addWidget(self.override_title)
        form = QFormLayout()
        # Labels above their fields: the column is narrow beside the scores.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.competency_combo = QComboBox()
        self.score_spin = QSpinBox()
        self.score_spin.setRange(0, 100)
        self.score_spin.setMinimumHeight(56)
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("reason")
        self.reason_edit.setMaxLength(500)
        self.competency_label, self.score_label, self.reason_label = label(), label(), label()
        form.addRow(self.competency_label, self.competency_combo)
        form.addRow(self.score_label, self.score_spin)
        form.addRow(self.reason_label, self.reason_edit)
        actions.addLayout(form)
        self.override_button = staff_button("primary")
        self.override_button.clicked.connect(self._override)
        actions.addWidget(self.override_button)

    def _build_decision(self, actions: QVBoxLayout) -> None:
        self.decision_title = label("subtitle")
        self.decision_label = label()
        actions.addWidget(self.decision_title)
        actions.addWidget(self.decision_label)
        self.note_edit = QLineEdit()
        self.note_edit.setObjectName("note")
        self.note_edit.setMaxLength(500)
        actions.addWidget(self.note_edit)
        buttons = QHBoxLayout()
        self.decision_buttons: dict[str, QPushButton] = {}
        for decision in DECISIONS:
            widget = staff_button("secondary")
            widget.clicked.connect(lambda _=False, d=decision: self._decide(d))
            buttons.addWidget(widget)
            self.decision_buttons[decision] = widget
        actions.addLayout(buttons)
        self.message = label("problem")
        actions.addWidget(self.message)
        actions.addStretch(1)

    # -- public -----------------------------------------------------------------------------

    def show_review(
        self, session_id: str, competencies: Sequence[Mapping[str, Any]], state: ReviewState
    ) -> None:
        """Show a freshly opened report's competencies (empty: unscored) and reviews."""
        self.clear()
        self.session_id = session_id
        self.competencies = list(competencies)
        self.competency_combo.clear()
        for competency in self.competencies:
            self.competency_combo.addItem(str(competency["name"]), str(competency["id"]))
        self.state = state
        self.retranslate()

    def clear(self) -> None:
        """Forget the session (its scores, reasons and notes)."""
        self.session_id = None
        self.competencies = []
        self.state = ReviewState()
        self._message = None
        self.competency_combo.clear()
        self.table.setRowCount(0)
        for edit in (self.reason_edit, self.note_edit):
            edit.clear()
        self.score_spin.setValue(0)

    # -- actions ----------------------------------------------------------------------------

    def _override(self) -> None:
        session_id, competency = self.session_id, self.competency_combo.currentData()
        if session_id is None or competency is None:
            return
        score, reason = self.score_spin.value(), self.reason_edit.text()

        def work(services: StaffServices) -> ReviewState:
            services.desk.override(services.who(), session_id, competency, score, reason)
            return latest_reviews(services.kiosk.store.reviews(session_id))

        self._run(work, cleared=self.reason_edit)

    def _decide(self, decision: Decision) -> None:
        session_id, note = self.session_id, self.note_edit.text()
        if session_id is None:
            return

        def work(services: StaffServices) -> ReviewState:
            services.desk.decide(services.who(), session_id, decision, note)
            return latest_reviews(services.kiosk.store.reviews(session_id))

        self._run(work, cleared=self.note_edit)

    def _run(self, work: Any, cleared: QLineEdit) -> None:
        self.setEnabled(False)

        def saved(state: ReviewState) -> None:
            self.setEnabled(True)
            self.state = state
            self._message = ("good", "")
            cleared.clear()
            self.retranslate()
            self.changed.emit(state)

        def refused(failure: StaffFailure) -> None:
            self.setEnabled(True)
            self._message = (failure.kind, failure.message)
            self.retranslate()

        self.context.call(self, work, saved, refused)

    # -- texts ------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels(
            [self.tr("Competency"), self.tr("Score"), self.tr("Override"), self.tr("Reason")]
        )
        self.table.setAccessibleName(self.tr("Competency scores"))
        self.unscored.setText(
            self.tr("No scores: on-device analysis was off for this interview.")
            if self.session_id is not None and not self.competencies
            else ""
        )
        self.unscored.setVisible(bool(self.unscored.text()))
        self.override_title.setText(self.tr("Override a score"))
        self.competency_label.setText(self.tr("Competency"))
        self.score_label.setText(self.tr("New score (0-100)"))
        self.reason_label.setText(self.tr("Reason"))
        self.reason_edit.setPlaceholderText(self.tr("Required"))
        self.competency_combo.setAccessibleName(self.tr("Competency"))
        self.score_spin.setAccessibleName(self.tr("New score (0-100)"))
        self.reason_edit.setAccessibleName(self.tr("Reason"))
        self.override_button.setText(self.tr("Save override"))
        self.override_button.setEnabled(bool(self.competencies))
        self.decision_title.setText(self.tr("Decision"))
        self.note_edit.setPlaceholderText(self.tr("Note (optional)"))
        self.note_edit.setAccessibleName(self.tr("Note"))
        names = decision_names()
        for decision, widget in self.decision_buttons.items():
            widget.setText(names[decision])
        self.decision_label.setText(self._decision_text())
        self._fill_table()
        self._show_message()

    def _decision_text(self) -> str:
        state = self.state
        if state.decision is None:
            return decision_names()["none"]
        text = decision_names().get(state.decision, state.decision)
        return f"{text} · {state.note}" if state.note else text

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self.competencies))
        for row, competency in enumerate(self.competencies):
            score = (
                str(competency.get("score100", "-"))
                if competency.get("assessed", True)
                else self.tr("not assessed")
            )
            override = self.state.overrides.get(str(competency["id"]))
            changed = reason = ""
            if override is not None:
                changed = self.tr("%1 by %2 at %3")
                for mark, value in (
                    ("%1", override["score"]),
                    ("%2", override["by"]),
                    ("%3", when_text(float(override["at"]))),
                ):
                    changed = changed.replace(mark, str(value))
                reason = str(override.get("reason", ""))
            for col, text in enumerate((str(competency["name"]), score, changed, reason)):
                self.table.setItem(row, col, QTableWidgetItem(text))

    def _show_message(self) -> None:
        message = self._message
        if message is None:
            self.message.clear()
            return
        kind, text = message
        restyle(self.message, "good" if kind == "good" else "problem")
        if kind == "good":
            self.message.setText(self.tr("Saved."))
        elif kind == "invalid_input":  # the desk's own check: no reason, a score out of range
            self.message.setText(self.tr("Not saved: %1").replace("%1", text))
        else:
            self.message.setText(failure_text(kind, text))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
