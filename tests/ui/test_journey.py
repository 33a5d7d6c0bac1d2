"""The candidate's journey through the real app: window, engine thread, store, replay devices."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.engine import Stage
from tests.ui.harness import CANARY_NAME, WAIT_MS, App, shown_texts, ui_config, visible_texts
from ui.replay import sample_clips
from ui.responsiveness import gui_gaps

log = logging.getLogger(__name__)


@pytest.fixture
def app(qtbot: QtBot, tmp_path: Path) -> Iterator[App]:
    running = App(qtbot, ui_config(tmp_path))
    yield running
    running.close()


def test_a_walk_in_completes_the_interview_and_the_screen_forgets_them(
    app: App, qtbot: QtBot, record_property: Callable[[str, object], None]
) -> None:
    with gui_gaps(10) as probe:
        app.walk_in("swe-intern")
        greeting = app.screens.greeting
        assert CANARY_NAME in greeting.title.text()
        assert "Software Engineer Intern" in greeting.position.text()
        app.to_device_check()
        app.pass_device_check()
        assert app.screens.device_check.result is not None
        assert "✓" in app.screens.device_check.camera_line.text()

        # Practice, then every question: spoken ones recorded, the ability items tapped.
        seen_choice = False
        while app.stage() is not Stage.DONE:
            seen_choice = seen_choice or app.window.current_screen() is app.screens.choice
            app.answer_current(choice=1)
        stats = probe.stats()
    record_property("gui_max_gap_ms", round(stats.max_gap_ms, 1))
    log.info("%s", stats.describe())
    assert stats.firings > 100  # the probe ran throughout (its figures are for benchmarks)
    assert seen_choice, "the swe-intern plan has multiple-choice items"

    app.wait_for(app.screens.done)
    code = app.screens.done.code.text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert app.finished_codes == [code]
    session = app.kiosk.store.sessions()[0]
    assert session.code == code
    answers = app.window.snapshot.state.answers if app.window.snapshot else ()
    assert len(answers) == 7 and {a.choice for a in answers if a.choice is not None} == {1}

    # Nobody touches the thank-you screen: back to welcome, and nothing personal anywhere.
    app.window.set_inactivity_seconds(0.5)
    app.wait_for(app.screens.welcome)
    app.wait_stage(Stage.WELCOME)
    texts = "\n".join(visible_texts(app.window))
    assert CANARY_NAME not in texts and code not in texts
    assert app.kiosk.store.session(session.session_id).outcome == "completed"


def test_declining_ends_with_thanks_and_records_only_the_decline(app: App) -> None:
    app.walk_in("customer-manager")
    app.tap(app.screens.greeting.continue_button)
    app.wait_for(app.screens.consent)
    app.tap(app.screens.consent.decline_button)
    app.wait_for(app.screens.declined)
    assert (
        "human" in app.screens.declined.body.text() or "person" in app.screens.declined.body.text()
    )
    app.tap(app.screens.declined.finish_button)
    app.wait_for(app.screens.welcome)
    app.wait_stage(Stage.WELCOME)
    session = app.kiosk.store.sessions()[0]
    assert session.outcome == "declined"
    assert app.kiosk.store.personal(session.session_id) == {}
    assert CANARY_NAME not in "\n".join(visible_texts(app.window))


def test_a_retake_asks_the_question_again_and_then_offers_none(app: App, qtbot: QtBot) -> None:
    app.walk_in("customer-manager")
    app.to_device_check()
    app.pass_device_check()
    question = app.screens.question
    while app.stage() is not Stage.PREP:
        app.answer_current()
    first_prompt = question.prompt.text()
    app.answer_current()  # start answering
    app.answer_current()  # speak, done
    app.wait_stage(Stage.REVIEW)
    assert "1 left" in question.retake_button.text()
    app.tap(question.retake_button)
    app.wait_stage(Stage.PREP)
    assert question.prompt.text() == first_prompt
    assert "Attempt 2" in question.progress.text()
    app.answer_current()  # start answering
    app.speak_and_finish()
    # The last allowed attempt needs no review: the interview goes straight on.
    qtbot.waitUntil(
        lambda: app.stage() is Stage.PREP and "2 of" in question.progress.text(), timeout=WAIT_MS
    )
    assert "Attempt" not in shown_texts(question)
    snapshot = app.window.snapshot
    assert snapshot is not None
    kept = snapshot.state.answer_at(0)
    assert kept is not None and kept.attempt == 2
    # The store keeps the second attempt only.
    session_id = str(snapshot.state.session_id)
    assert app.kiosk.store.answer_stats(session_id, 0, 1) is None
    assert app.kiosk.store.answer_stats(session_id, 0, 2) is not None


@pytest.mark.slow
def test_with_analysis_the_result_is_scored_off_the_gui_thread(
    qtbot: QtBot, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    """The real models: finalising waits for the answers' analysis on the engine thread while
    the window keeps turning (the gap figures are recorded for benchmarks, not asserted)."""
    # The demo candidate's recorded answers, so there is speech to transcribe and score.
    config = ui_config(tmp_path, KIOSK_ANALYSIS_ENABLED="true")
    app = App(qtbot, config, clips=sample_clips())
    busy: list[tuple[float, bool]] = []
    app.host.busy.connect(lambda on: busy.append((time.monotonic(), on)))
    try:
        with gui_gaps(10) as probe:
            app.walk_in("customer-manager")
            app.to_device_check()
            app.pass_device_check()
            while app.stage() is not Stage.DONE:
                # Finalising waits for the analysis: 9-17 s here when the machine is busy.
                app.answer_current(finalise_ms=120_000)
            app.wait_for(app.screens.done)
            # The last intent's "done" is queued just behind the snapshot that showed the done
            # screen: let it arrive before the pairs are counted.
            qtbot.waitUntil(lambda: len(busy) % 2 == 0, timeout=WAIT_MS)
        stats = probe.stats()
        # Every intent reports busy, then done: in pairs.
        assert [on for _, on in busy] == [True, False] * (len(busy) // 2)
        pairs = zip(busy[::2], busy[1::2], strict=True)
        longest = max(end - start for (start, _), (end, _) in pairs)
        record_property("gui_max_gap_ms_with_analysis", round(stats.max_gap_ms, 1))
        record_property("longest_engine_intent_s", round(longest, 2))
        log.info("%s; longest intent %.1f s", stats.describe(), longest)
        snapshot = app.window.snapshot
        assert snapshot is not None and snapshot.state.session_id is not None
        result = app.kiosk.store.result(snapshot.state.session_id)
        assert result is not None and result["analysis"]["status"] == "scored"
    finally:
        app.close()
