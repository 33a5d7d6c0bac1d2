"""The consent notice: bilingual, versioned by its exact words; declining keeps nothing."""

from __future__ import annotations

from pathlib import Path

from kiosk.consent import current_notice
from kiosk.engine import InterviewState, PlannedQuestion, Stage
from kiosk.store import SessionStore
from kiosk.vault.keyring import Keyring


def test_the_notice_says_what_why_who_how_long_and_how_to_delete_in_both_languages() -> None:
    notice = current_notice(retention_days=180, policy_profile="standard")
    en, zh = notice.text("en"), notice.text("zh")
    for phrase in ("What is recorded", "Why", "Who sees it", "180 days", "Deletion", "decline"):
        assert phrase in en
    for phrase in ("记录内容", "用途", "查看人员", "180天", "删除", "拒绝"):
        assert phrase in zh
    assert notice.face_clause is None and "Face analysis" not in en


def test_the_cn_profile_asks_separately_for_face_analysis() -> None:
    notice = current_notice(retention_days=180, policy_profile="cn")
    assert notice.face_clause is not None
    assert "Face analysis (separate, optional)" in notice.text("en")
    assert "面部分析" in notice.text("zh")


def test_every_change_of_wording_is_a_new_version() -> None:
    base = current_notice(retention_days=180, policy_profile="standard")
    assert base.version == current_notice(retention_days=180, policy_profile="standard").version
    others = {
        current_notice(retention_days=90, policy_profile="standard").version,
        current_notice(retention_days=180, policy_profile="cn").version,
        current_notice(retention_days=180, policy_profile="standard", company="Acme").version,
    }
    assert base.version not in others and len(others) == 3
    assert base.version.startswith("2026-11-")


def test_declining_keeps_the_fact_and_nothing_else(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "kiosk.db", Keyring(b"\x05" * 32))
    state = InterviewState(
        stage=Stage.CONSENT,
        session_id="s1",
        position_id="swe-intern",
        language="en",
        questions=(PlannedQuestion("q", "behavioural", 30, 120, 1),),
    )
    store.create_session(state, "DECL-INED", {"name": "Philippa Declinewright"}, 1.0)
    store.close_session("s1", "declined", 2.0)
    assert store.session("s1").outcome == "declined"
    assert store.personal("s1") == {}
    assert store.wrapped_keys("s1") == [] and store.sealed_records("s1") == [("personal", "", b"")]
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"Declinewright" not in raw
