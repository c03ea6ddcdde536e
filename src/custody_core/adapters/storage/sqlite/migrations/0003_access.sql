-- Cabinet access: users, connection cards, per-account settings, order
-- attachments, the audit log and failed-login counters. Logins are stored in
-- login_key form (trimmed, case-folded); roles as their sorted values joined
-- by commas ('' for none).

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    login TEXT NOT NULL,
    last_name TEXT NOT NULL,
    first_name TEXT NOT NULL,
    middle_name TEXT,
    phone TEXT,
    email TEXT,
    password_hash TEXT,
    roles TEXT NOT NULL,
    disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
    external_id TEXT,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (account_id, login)
);
CREATE UNIQUE INDEX users_by_external_id ON users (account_id, external_id)
    WHERE external_id IS NOT NULL;

CREATE TABLE connection_cards (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    counterparty_id TEXT NOT NULL REFERENCES counterparties (id),
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    login TEXT NOT NULL,
    url TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, user_id),
    UNIQUE (account_id, login)
);
CREATE INDEX connection_cards_by_counterparty
    ON connection_cards (account_id, counterparty_id, created_at);

-- The settings an administrator saved, as one JSON object; no row means the defaults.
CREATE TABLE account_settings (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    body TEXT NOT NULL
);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    order_id TEXT NOT NULL REFERENCES orders (id),
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size >= 0),
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    content BLOB NOT NULL
);
CREATE INDEX attachments_by_order ON attachments (order_id, created_at);

-- The append-only audit log; seq is the append order (an index on account_id
-- holds the rowid too, so it serves "an account's entries by seq").
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    counterparty_id TEXT,
    target TEXT,
    detail TEXT
);
CREATE INDEX audit_log_by_account ON audit_log (account_id);

CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TABLE login_attempts (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    login TEXT NOT NULL,
    failures INTEGER NOT NULL CHECK (failures >= 0),
    locked_until TEXT,
    PRIMARY KEY (account_id, login)
) WITHOUT ROWID;
