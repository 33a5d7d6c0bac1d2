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
)
