"""The session database's schema, one migration per version (applied by :mod:`kiosk.store`).

Plaintext columns hold operational metadata only (ids, stages, times, sizes, outcomes); every
column that describes a person is a ciphertext (``sealed``, ``personal``, ``wrapped``).
"""

from __future__ import annotations

#: Each entry upgrades the schema by one version; never edit a released one, append.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        position_id TEXT NOT NULL,
        language TEXT NOT NULL,
        stage TEXT NOT NULL,
        outcome TEXT,
        opened_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        closed_at REAL,
        state_json TEXT NOT NULL,
        personal BLOB NOT NULL
    );
    CREATE INDEX sessions_open ON sessions (closed_at, updated_at);
    CREATE TABLE consents (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        notice_version TEXT NOT NULL,
        face_analysis INTEGER NOT NULL,
        given_at REAL NOT NULL
    );
    CREATE TABLE answers (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        seconds REAL NOT NULL,
        created_at REAL NOT NULL,
        sealed BLOB NOT NULL,
        PRIMARY KEY (session_id, idx, attempt)
    );
    """,
    """
    CREATE TABLE analyses (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        created_at REAL NOT NULL,
        sealed BLOB NOT NULL,
        PRIMARY KEY (session_id, idx, attempt)
    );
    """,
    # v3: envelope encryption (each session's data key, stored only wrapped), deletion
    # tombstones, and the hash-chained audit log.
    """
    CREATE TABLE session_keys (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        recipient TEXT NOT NULL,
        key_id TEXT NOT NULL,
        wrapped BLOB NOT NULL,
        PRIMARY KEY (session_id, recipient)
    );
    CREATE TABLE tombstones (
        session_id TEXT PRIMARY KEY,
        position_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        deleted_at REAL NOT NULL
    );
    CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    """,
)
