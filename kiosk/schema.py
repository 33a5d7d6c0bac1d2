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
    # v4: staff accounts (kiosk.vault.accounts). Secrets only as hashes or ciphertexts: the PIN
    # as argon2id, the TOTP secret sealed under the device key, the badge token as SHA-256, and
    # the terminal's review private key encrypted under each recruiter's PIN-derived key.
    """
    CREATE TABLE users (
        user_id TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('recruiter', 'department_head', 'it_admin')),
        departments TEXT NOT NULL DEFAULT '[]',
        pin_hash TEXT NOT NULL,
        totp_sealed BLOB NOT NULL,
        badge_hash TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        locked_until REAL NOT NULL DEFAULT 0,
        hard_locked INTEGER NOT NULL DEFAULT 0,
        last_totp_step INTEGER,
        source TEXT NOT NULL CHECK (source IN ('local', 'erp')),
        created_at REAL NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE review_key_copies (
        user_id TEXT PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
        salt BLOB NOT NULL,
        kdf_params TEXT NOT NULL,
        sealed_private BLOB NOT NULL
    );
    """,
    # v5: what a session produced and what leaves the terminal. ``results`` holds the scored
    # report sealed under the session key; ``reviews`` the recruiters' overrides and status
    # decisions (sealed: scores and reasons are personal); ``outbox`` one row per record sync
    # must deliver, written in the same transaction as the record (the transactional outbox);
    # ``sync_state`` sync's cursors (audit entries pushed, bundle versions pulled).
    # ``candidate_tag`` is a keyed hash of the ERP's candidate reference, so a deletion request
    # naming the candidate finds their sessions without the reference being stored.
    """
    ALTER TABLE sessions ADD COLUMN candidate_tag TEXT;
    CREATE INDEX sessions_candidate ON sessions (candidate_tag);
    CREATE TABLE results (
        session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
        created_at REAL NOT NULL,
        status TEXT NOT NULL,
        sealed BLOB NOT NULL
    );
    CREATE TABLE reviews (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('override', 'status')),
        created_at REAL NOT NULL,
        sealed BLOB NOT NULL,
        PRIMARY KEY (session_id, seq)
    );
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        session_id TEXT,
        record_id TEXT NOT NULL,
        idempotency_key TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL DEFAULT 0,
        last_error TEXT,
        delivered_at REAL
    );
    CREATE INDEX outbox_pending ON outbox (delivered_at, session_id, seq);
    CREATE TABLE sync_state (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
)
