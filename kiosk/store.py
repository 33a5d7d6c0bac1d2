"""The session store: one SQLite file (WAL, synchronous=FULL) with versioned migrations.

Plaintext columns hold operational metadata only (ids, stage, times, outcome). Who the candidate
is, and anything they said, goes through the :class:`~kiosk.sealing.Sealer` first. The interview
state is written in the same transaction as the stage, after every transition, so a killed
process finds exactly the last state it reached.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from kiosk.engine import InterviewState, Outcome
from kiosk.errors import ErrorKind, VaultError
from kiosk.outbox import enqueue
from kiosk.recording import AnswerRecording
from kiosk.schema import MIGRATIONS
from kiosk.sealing import LocalSealer
from kiosk.vault import audit
from kiosk.vault.envelope import SessionKey, fingerprint
from kiosk.vault.keyring import DEVICE, SERVER, Keyring, WrappedKey

log = logging.getLogger(__name__)

#: The prefix of records sealed by LocalSealer before envelope encryption.
LEGACY_FORMAT = b"KS1"


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A session's metadata as stored (no personal data)."""

    session_id: str
    code: str
    position_id: str
    language: str
    stage: str
    outcome: str | None
    opened_at: float
    closed_at: float | None


class SessionStore:
    """Sessions and their persisted interview state."""

    def __init__(self, path: Path, keyring: Keyring) -> None:
        self._path = path
        self._keyring = keyring
        self._keys: dict[str, SessionKey] = {}  # data keys unwrapped in this process
        # Records sealed before envelope encryption (format KS1) open with the device key.
        self._legacy = LocalSealer(keyring.device_key)
        # One connection, used by the runner and the analysis worker: writes are serialised here.
        self._lock = threading.RLock()
        self._retired = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=5000")
            # Deleted rows are overwritten with zeros, so a shredded key leaves no copy in the
            # file's free pages (see delete_session).
            conn.execute("PRAGMA secure_delete=ON")
            self._db = sqlite_utils.Database(conn)
            self._migrate()
            # A WAL left by a crash may hold pages of deleted keys and records: fold it in now.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.DatabaseError as exc:
            raise _storage_error(exc, path) from None

    @property
    def keyring(self) -> Keyring:
        """The keys this store wraps session data keys with; staff login unlocks its review
        key (:mod:`kiosk.vault.accounts`), so both must share this one object."""
        return self._keyring

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise VaultError(
                f"{self._path}: database schema {version} is newer than this kiosk supports "
                f"({len(MIGRATIONS)}); update the kiosk software",
                kind=ErrorKind.STORAGE_CORRUPT,
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self._transaction():
                for statement in filter(str.strip, script.split(";")):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version={number}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One atomic write for modules that keep their own tables here (accounts, outbox):
        everything done on the yielded database commits together or not at all."""
        with self._transaction():
            yield self._db

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            with self._lock, self._db.atomic():
                yield
        except sqlite3.DatabaseError as exc:
            raise _storage_error(exc, self._path) from None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows of a read, fetched under the store's lock."""
        return self._query(sql, params).fetchall()

    def forget_closed_keys(self) -> None:
        """Drop the data keys of closed sessions from memory (at logout: what a recruiter's
        review key opened must not stay readable after they leave)."""
        still_open = self.open_session_ids()
        with self._lock:
            self._keys = {sid: key for sid, key in self._keys.items() if sid in still_open}

    def session_key(self, session_id: str) -> SessionKey:
        """The data key of a session this terminal may open (recording encrypts media with it)."""
        return self._key(session_id)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> _Rows:
        """Run a read; fetched under the lock so another thread's write cannot interleave."""
        with self._lock:
            try:
                return _Rows(self._db.execute(sql, list(params)).fetchall())
            except sqlite3.DatabaseError as exc:
                raise _storage_error(exc, self._path) from None

    def close(self) -> None:
        """Close the database (checkpointing the WAL)."""
        self._db.close()

    def retire(self) -> None:
        """Take this store out of service for good: a secure wipe is about to destroy it. Set
        before anything is destroyed, so no interview starts on it even if the wipe stops
        half-way; only a restart (and a new enrolment) brings the terminal back."""
        self._retired = True

    @property
    def retired(self) -> bool:
        """:meth:`retire` was called: the front end must show "out of service"."""
        return self._retired

    def check_integrity(self) -> None:
        """Raise :class:`VaultError` unless SQLite's integrity check passes."""
        try:
            result = self._db.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise _storage_error(exc, self._path) from None
        if result != "ok":
            raise VaultError(
                f"{self._path}: integrity check failed", kind=ErrorKind.STORAGE_CORRUPT
            )

    # -- sessions ---------------------------------------------------------------------------

    def create_session(
        self,
        state: InterviewState,
        code: str,
        personal: dict[str, Any],
        now: float,
        *,
        candidate_ref: str | None = None,
    ) -> None:
        """Store a new session: its first state and its sealed personal record.

        ``candidate_ref`` (the ERP's id of an invited candidate) is kept only as a keyed hash,
        for deletion requests that name the candidate.
        """
        if state.session_id is None or state.position_id is None:
            raise ValueError("a session needs an id and a position")
        if self._retired:
            raise VaultError("this terminal was wiped", kind=ErrorKind.CONFIG_INVALID)
        key = SessionKey.generate(state.session_id)
        sealed = key.seal("personal", "", _dumps(personal))
        with self._transaction():
            self._db.table("sessions").insert(
                {
                    "id": state.session_id,
                    "code": code,
                    "position_id": state.position_id,
                    "language": state.language,
                    "stage": state.stage.value,
                    "opened_at": now,
                    "updated_at": now,
                    "state_json": json.dumps(state.to_json()),
                    "personal": sealed,
                    "candidate_tag": (
                        None
                        if candidate_ref is None
                        else self._keyring.candidate_tag(candidate_ref)
                    ),
                }
            )
            self._db.table("session_keys").insert_all(
                {
                    "session_id": state.session_id,
                    "recipient": copy.recipient,
                    "key_id": copy.key_id,
                    "wrapped": copy.wrapped,
                }
                for copy in self._keyring.wrap(key)
            )
        with self._lock:
            self._keys[state.session_id] = key

    def save_state(self, state: InterviewState, now: float) -> None:
        """Persist the state of an open session (one transaction)."""
        if state.session_id is None:
            return
        with self._transaction():
            self._db.execute(
                "UPDATE sessions SET stage = ?, state_json = ?, updated_at = ? "
                "WHERE id = ? AND closed_at IS NULL",
                [state.stage.value, json.dumps(state.to_json()), now, state.session_id],
            )

    def close_session(
        self, session_id: str, outcome: Outcome, now: float, *, media: Sequence[str] = ()
    ) -> None:
        """Mark a session ended; it will not be resumed. ``media`` names its recordings kept in
        the media folder for upload (an outbox row each, in the same transaction).

        Its device copy of the data key goes with it (unless the terminal is local-only), so
        from now on only the server and logged-in recruiters can read it.
        """
        with self._transaction():
            self._db.execute(
                "UPDATE sessions SET outcome = ?, closed_at = ?, updated_at = ?, "
                "state_json = ? WHERE id = ? AND closed_at IS NULL",
                [outcome, now, now, self._closed_state(session_id), session_id],
            )
            # Every ending is reported, a declined or abandoned one too (the ERP then offers a
            # human interview); for a finished one this is the row save_result already wrote.
            enqueue(self._db, "result", session_id, "result", now)
            for name in media:
                enqueue(self._db, "media", session_id, name, now)
            if outcome == "declined":
                # Declining records that fact and nothing else: the check-in's personal record
                # goes, and with the keys gone nothing of the session can be read again.
                self._db.execute("UPDATE sessions SET personal = x'' WHERE id = ?", [session_id])
                self._db.execute("DELETE FROM session_keys WHERE session_id = ?", [session_id])
            else:
                self._ensure_server_copy(session_id)
            if outcome != "declined" and not self._keyring.retain_device_copy:
                # Only when someone else holds a copy: a session opened before the first
                # recruiter or the enrolment has nothing but its device copy, and keeps it.
                self._db.execute(
                    "DELETE FROM session_keys WHERE session_id = ? AND recipient = ? AND EXISTS "
                    "(SELECT 1 FROM session_keys WHERE session_id = ? AND recipient != ?)",
                    [session_id, DEVICE, session_id, DEVICE],
                )
        with self._lock:
            self._keys.pop(session_id, None)
        # The deleted key copy (and a declined candidate's record) must not linger in the WAL.
        self.checkpoint()

    def _closed_state(self, session_id: str) -> str:
        """What stays of a closed session's engine state, which is stored unsealed: where it
        ended, never its timings or accommodations. A choice of extra time or typed answers
        hints at a disability; the sealed result keeps it for the reviewers who need it."""
        row = self._query("SELECT state_json FROM sessions WHERE id = ?", [session_id]).fetchone()
        data = json.loads(row[0]) if row is not None else {}
        kept = ("stage", "session_id", "position_id", "language", "started_at")
        return json.dumps({key: data[key] for key in kept if key in data})

    def open_session(self) -> InterviewState | None:
        """The most recent session that has not ended, if any (the one to resume)."""
        row = self._query(
            "SELECT state_json FROM sessions WHERE closed_at IS NULL "
            "ORDER BY updated_at DESC LIMIT 1"
        ).fetchone()
        return None if row is None else InterviewState.from_json(json.loads(row[0]))

    def state(self, session_id: str) -> InterviewState:
        """The last persisted state of a session."""
        row = self._query("SELECT state_json FROM sessions WHERE id = ?", [session_id]).fetchone()
        if row is None:
            raise VaultError(f"no session {session_id}", kind=ErrorKind.INVALID_INPUT)
        return InterviewState.from_json(json.loads(row[0]))

    def session(self, session_id: str) -> SessionRow:
        """A session's metadata."""
        row = self._query(
            "SELECT id, code, position_id, language, stage, outcome, opened_at, closed_at "
            "FROM sessions WHERE id = ?",
            [session_id],
        ).fetchone()
        if row is None:
            raise VaultError(f"no session {session_id}", kind=ErrorKind.INVALID_INPUT)
        return SessionRow(*row)

    def sessions(self) -> list[SessionRow]:
        """All sessions, newest first."""
        rows = self._query(
            "SELECT id, code, position_id, language, stage, outcome, opened_at, closed_at "
            "FROM sessions ORDER BY opened_at DESC"
        ).fetchall()
        return [SessionRow(*row) for row in rows]

    def personal(self, session_id: str) -> dict[str, Any]:
        """The unsealed personal record of a session."""
        row = self._query("SELECT personal FROM sessions WHERE id = ?", [session_id]).fetchone()
        if row is None:
            raise VaultError(f"no session {session_id}", kind=ErrorKind.INVALID_INPUT)
        if not row[0]:
            return {}  # declined: nothing was kept
        data: dict[str, Any] = json.loads(self._open(session_id, "personal", "", row[0]))
        return data

    def record_consent(
        self, session_id: str, notice_version: str, face_analysis: bool, now: float
    ) -> None:
        """Store the candidate's consent (notice version, time, face-analysis consent)."""
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO consents (session_id, notice_version, face_analysis, given_at) "
                "VALUES (?, ?, ?, ?)",
                [session_id, notice_version, int(face_analysis), now],
            )
            enqueue(self._db, "consent", session_id, str(cursor.lastrowid), now)

    def save_result(self, session_id: str, result: dict[str, Any], status: str, now: float) -> None:
        """Store a finished session's result (the report, sealed) and its outbox row, in one
        transaction. ``status`` is operational (``scored`` or ``not_available``)."""
        sealed = self._seal(session_id, "result", "", result)
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO results (session_id, created_at, status, sealed) "
                "VALUES (?, ?, ?, ?)",
                [session_id, now, status, sealed],
            )
            enqueue(self._db, "result", session_id, "result", now)

    def result(self, session_id: str) -> dict[str, Any] | None:
        """A session's unsealed result, if it has one (needs its data key: see ``_key``)."""
        row = self._query(
            "SELECT sealed FROM results WHERE session_id = ?", [session_id]
        ).fetchone()
        if row is None:
            return None
        data: dict[str, Any] = json.loads(self._open(session_id, "result", "", row[0]))
        return data

    def add_review(
        self, session_id: str, *, actor: str, kind: str, data: dict[str, Any], now: float
    ) -> int:
        """Store a recruiter's override or status decision with its audit entry and outbox
        row, in one transaction; returns its sequence number within the session."""
        with self._transaction():
            last = self._db.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM reviews WHERE session_id = ?", [session_id]
            ).fetchone()[0]
            seq = int(last) + 1
            self._db.execute(
                "INSERT INTO reviews (session_id, seq, actor, kind, created_at, sealed) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    session_id,
                    seq,
                    actor,
                    kind,
                    now,
                    self._seal(session_id, "review", str(seq), data),
                ],
            )
            action = "score_overridden" if kind == "override" else "status_changed"
            # Not the decision itself: whether a person was rejected is personal data.
            self.append_audit(now, actor, action, session_id, {"seq": seq})
            enqueue(self._db, "review", session_id, str(seq), now)
        return seq

    def reviews(self, session_id: str) -> list[tuple[int, str, str, float, dict[str, Any]]]:
        """(seq, actor, kind, time, decision) of a session's reviews, oldest first."""
        rows = self._query(
            "SELECT seq, actor, kind, created_at, sealed FROM reviews WHERE session_id = ? "
            "ORDER BY seq",
            [session_id],
        ).fetchall()
        return [
            (seq, actor, kind, at, json.loads(self._open(session_id, "review", str(seq), blob)))
            for seq, actor, kind, at, blob in rows
        ]

    def consents(self, session_id: str) -> list[tuple[str, bool, float]]:
        """(notice version, face-analysis consent, time) records of a session."""
        rows = self._query(
            "SELECT notice_version, face_analysis, given_at FROM consents WHERE session_id = ?",
            [session_id],
        ).fetchall()
        return [(row[0], bool(row[1]), row[2]) for row in rows]

    def save_answer(
        self, session_id: str, question_id: str, recording: AnswerRecording, now: float
    ) -> None:
        """Store a completed answer's measurements (sealed: they describe a person)."""
        payload = {
            "audio_path": str(recording.audio_path),
            "video_path": str(recording.video_path),
            "samples": recording.samples,
            "frames": recording.frames,
            "level_dbfs": recording.level_dbfs,
            "voiced_ratio": recording.voiced_ratio,
            "complete": recording.complete,
        }
        sealed = self._seal(session_id, "answer", f"{recording.index}:{recording.attempt}", payload)
        with self._transaction():
            self._db.table("answers").upsert(
                {
                    "session_id": session_id,
                    "idx": recording.index,
                    "attempt": recording.attempt,
                    "question_id": question_id,
                    "seconds": recording.seconds,
                    "created_at": now,
                    "sealed": sealed,
                },
                pk=("session_id", "idx", "attempt"),
            )

    def answer_stats(self, session_id: str, index: int, attempt: int) -> AnswerRecording | None:
        """A stored answer's measurements, if it was stored."""
        row = self._query(
            "SELECT seconds, sealed FROM answers WHERE session_id = ? AND idx = ? AND attempt = ?",
            [session_id, index, attempt],
        ).fetchone()
        if row is None:
            return None
        data = json.loads(self._open(session_id, "answer", f"{index}:{attempt}", row[1]))
        return AnswerRecording(
            index=index,
            attempt=attempt,
            practice=False,
            audio_path=Path(data["audio_path"]),
            video_path=Path(data["video_path"]),
            seconds=row[0],
            samples=data["samples"],
            frames=data["frames"],
            level_dbfs=data["level_dbfs"],
            voiced_ratio=data["voiced_ratio"],
            complete=data["complete"],
        )

    def delete_answer(self, session_id: str, index: int, attempt: int) -> None:
        """Forget a discarded attempt: its measurements and its analysis (a typed answer's
        analysis record is its text, which a retake must not leave behind)."""
        with self._transaction():
            for table in ("answers", "analyses"):
                self._db.execute(
                    f"DELETE FROM {table} WHERE session_id = ? AND idx = ? AND attempt = ?",  # noqa: S608
                    [session_id, index, attempt],
                )

    def save_analysis(
        self,
        session_id: str,
        index: int,
        attempt: int,
        record: dict[str, Any],
        now: float,
        *,
        key: SessionKey | None = None,
    ) -> None:
        """Store an answer's analysis (transcript, measurements: sealed).

        ``key`` is the session's data key when the caller holds it (the analysis worker): its
        job may finish after the session closed and the device copy of the key is gone.
        """
        key = key or self._key(session_id)
        sealed = key.seal("analysis", f"{index}:{attempt}", _dumps(record))
        with self._transaction():
            self._db.table("analyses").upsert(
                {
                    "session_id": session_id,
                    "idx": index,
                    "attempt": attempt,
                    "created_at": now,
                    "sealed": sealed,
                },
                pk=("session_id", "idx", "attempt"),
            )

    def analysis(self, session_id: str, index: int, attempt: int) -> dict[str, Any] | None:
        """A stored analysis, if there is one."""
        row = self._query(
            "SELECT sealed FROM analyses WHERE session_id = ? AND idx = ? AND attempt = ?",
            [session_id, index, attempt],
        ).fetchone()
        if row is None:
            return None
        data: dict[str, Any] = json.loads(
            self._open(session_id, "analysis", f"{index}:{attempt}", row[0])
        )
        return data

    def open_session_ids(self) -> set[str]:
        """Ids of sessions that have not ended."""
        rows = self._query("SELECT id FROM sessions WHERE closed_at IS NULL").fetchall()
        return {row[0] for row in rows}

    # -- keys ---------------------------------------------------------------------------------

    def _key(self, session_id: str) -> SessionKey:
        # Under the lock: the runner, the analysis worker and a logout touch the cache.
        with self._lock:
            key = self._keys.get(session_id)
            if key is None:
                key = self._keyring.unwrap(session_id, self.wrapped_keys(session_id))
                self._keys[session_id] = key
            return key

    def _seal(self, session_id: str, kind: str, record_id: str, data: dict[str, Any]) -> bytes:
        return self._key(session_id).seal(kind, record_id, _dumps(data))

    def _open(self, session_id: str, kind: str, record_id: str, sealed: bytes) -> bytes:
        if sealed.startswith(LEGACY_FORMAT):
            legacy = kind if not record_id else f"{kind}:{record_id}"
            return self._legacy.open(sealed, f"session:{session_id}:{legacy}")
        return self._key(session_id).open(kind, record_id, sealed)

    def wrapped_keys(self, session_id: str) -> list[WrappedKey]:
        """The stored copies of a session's data key (for sync, and for tests)."""
        rows = self._query(
            "SELECT recipient, key_id, wrapped FROM session_keys WHERE session_id = ?",
            [session_id],
        ).fetchall()
        return [WrappedKey(*row) for row in rows]

    def _ensure_server_copy(self, session_id: str) -> None:
        """Inside close_session's transaction: a session that started before the terminal was
        enrolled gets its server copy now, while its key is still at hand, so its result can
        reach the ERP after the device copy is gone."""
        self._keyring.refresh()
        server = self._keyring.server_key
        if server is None:
            return
        has = self._db.execute(
            "SELECT 1 FROM session_keys WHERE session_id = ? AND recipient = ?",
            [session_id, SERVER],
        ).fetchone()
        if has is None:
            try:
                wrapped = self._key(session_id).wrap_to(server, SERVER)
            except VaultError as exc:  # no copy this terminal can open: nothing to add
                log.warning("session %s: no server copy added (%s)", session_id, exc.kind)
                return
            self._db.execute(
                "INSERT INTO session_keys (session_id, recipient, key_id, wrapped) "
                "VALUES (?, ?, ?, ?)",
                [session_id, SERVER, fingerprint(server), wrapped],
            )

    def drop_device_copy(self, session_id: str) -> None:
        """Delete a closed session's device copy now that its result is delivered (kept until
        then under ``keyring.retain_device_copy``), if another copy exists."""
        with self._transaction():
            self._db.execute(
                "DELETE FROM session_keys WHERE session_id = ? AND recipient = ? AND EXISTS "
                "(SELECT 1 FROM session_keys WHERE session_id = ? AND recipient != ?) AND "
                "EXISTS (SELECT 1 FROM sessions WHERE id = ? AND closed_at IS NOT NULL)",
                [session_id, DEVICE, session_id, DEVICE, session_id],
            )
        with self._lock:
            self._keys.pop(session_id, None)
        self.checkpoint()

    def add_server_copy(self, session_id: str) -> WrappedKey:
        """Wrap a session's key to the server's key now (a session recorded before enrolment,
        whose key this terminal can still open); raises VaultError if it cannot."""
        server = self._keyring.server_key
        if server is None:
            raise VaultError("the terminal is not enrolled", kind=ErrorKind.LOCKED)
        copy = WrappedKey(
            SERVER, fingerprint(server), self._key(session_id).wrap_to(server, SERVER)
        )
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO session_keys (session_id, recipient, key_id, wrapped) "
                "VALUES (?, ?, ?, ?)",
                [session_id, copy.recipient, copy.key_id, copy.wrapped],
            )
        return copy

    def sealed_records(self, session_id: str) -> list[tuple[str, str, bytes]]:
        """(kind, record id, ciphertext) of every sealed record of a session (sync, tests)."""
        out = [
            ("personal", "", r[0])
            for r in self._query(
                "SELECT personal FROM sessions WHERE id = ?", [session_id]
            ).fetchall()
        ]
        for table, kind in (("answers", "answer"), ("analyses", "analysis")):
            rows = self._query(
                f"SELECT idx, attempt, sealed FROM {table} WHERE session_id = ?",  # noqa: S608
                [session_id],
            ).fetchall()
            out += [(kind, f"{i}:{a}", blob) for i, a, blob in rows]
        out += [
            ("result", "", r[0])
            for r in self._query(
                "SELECT sealed FROM results WHERE session_id = ?", [session_id]
            ).fetchall()
        ]
        out += [
            ("review", str(r[0]), r[1])
            for r in self._query(
                "SELECT seq, sealed FROM reviews WHERE session_id = ?", [session_id]
            ).fetchall()
        ]
        return out  # fmt: skip

    # -- deletion (the policy lives in kiosk.retention) ----------------------------------

    def session_by_code(self, code: str) -> SessionRow | None:
        """The session a receipt's code names, if it is still stored."""
        row = self._query("SELECT id FROM sessions WHERE code = ?", [code.upper()]).fetchone()
        return None if row is None else self.session(row[0])

    def sessions_of_candidate(self, candidate_ref: str) -> list[str]:
        """Ids of the sessions checked in with this ERP candidate reference."""
        tag = self._keyring.candidate_tag(candidate_ref)
        rows = self._query("SELECT id FROM sessions WHERE candidate_tag = ?", [tag]).fetchall()
        return [row[0] for row in rows]

    def forget_key(self, session_id: str) -> None:
        """Drop a session's data key from memory (before it is shredded)."""
        with self._lock:
            self._keys.pop(session_id, None)

    def tombstones(self) -> list[tuple[str, str, str, float]]:
        """(session id, position id, reason, time) of every deleted session."""
        return [tuple(r) for r in self._query(
            "SELECT session_id, position_id, reason, deleted_at FROM tombstones "
            "ORDER BY deleted_at").fetchall()]  # fmt: skip

    def checkpoint(self) -> None:
        """Fold the WAL into the database and empty it (after deletions)."""
        # Copies of deleted pages wait in the WAL until a checkpoint; TRUNCATE empties it.
        with self._lock:
            try:
                busy = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                raise _storage_error(exc, self._path) from None
        if busy:
            # Another process (a CLI command beside the app) holds a read: the old pages stay in
            # the WAL until the next checkpoint, which every close, deletion and start runs.
            log.warning("WAL checkpoint blocked by a reader; deleted pages wait for the next one")

    # -- audit ----------------------------------------------------------------------------

    def audit(
        self, actor: str, action: str, target: str, detail: dict[str, Any], now: float
    ) -> None:
        """Append an entry to the audit log (its own transaction)."""
        with self._transaction():
            self.append_audit(now, actor, action, target, detail)

    def append_audit(
        self, now: float, actor: str, action: str, target: str, detail: dict[str, Any]
    ) -> None:
        """Append an audit entry inside the caller's :meth:`transaction`."""
        if action not in audit.ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        last = self._db.execute(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        seq, prev = (1, audit.GENESIS) if last is None else (last[0] + 1, last[1])
        text = audit.detail_text(detail)
        self._db.table("audit_log").insert(
            {
                "seq": seq,
                "at": now,
                "actor": actor,
                "action": action,
                "target": target,
                "detail": text,
                "prev_hash": prev,
                "hash": audit.entry_hash(
                    prev, seq=seq, at=now, actor=actor, action=action, target=target, detail=text
                ),
            }
        )

    def audit_entries(self) -> list[tuple[int, float, str, str, str, str, str, str]]:
        """The audit log as stored, in order (see :func:`kiosk.vault.audit.verify`)."""
        rows = self._query(
            "SELECT seq, at, actor, action, target, detail, prev_hash, hash FROM audit_log "
            "ORDER BY seq"
        ).fetchall()
        return [tuple(row) for row in rows]


class _Rows:
    """Rows already fetched (so no cursor outlives the lock)."""

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return self._rows


def _dumps(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()


def _storage_error(exc: sqlite3.DatabaseError, path: Path) -> VaultError:
    text = str(exc).lower()
    # SQLite reports a full disk as SQLITE_FULL, but when it cannot even create the -shm file
    # it says "disk I/O error" (SQLITE_IOERR_SHMSIZE): ask the file system which it was.
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # the primary code (Python >= 3.11)
    if (
        "full" in text
        or code == _SQLITE_FULL
        or (("i/o" in text or code == _SQLITE_IOERR) and _free_bytes(path) < _NEARLY_FULL)
    ):
        free = _free_bytes(path) // 2**20
        return VaultError(f"{path}: disk full ({free} MB free)", kind=ErrorKind.DISK_FULL)
    if "malformed" in text or "not a database" in text:
        return VaultError(f"{path}: database is corrupt ({exc})", kind=ErrorKind.STORAGE_CORRUPT)
    return VaultError(f"{path}: database error ({exc})")


# SQLite's primary result codes (fixed by its C API; the sqlite3 constants need Python 3.11).
_SQLITE_IOERR, _SQLITE_FULL = 10, 13
#: Below this much free space an I/O error of the database counts as a full disk.
_NEARLY_FULL = 2**20


def _free_bytes(path: Path) -> int:
    try:
        return shutil.disk_usage(path.parent).free
    except OSError:
        return _NEARLY_FULL  # unknown: do not claim the disk is full
