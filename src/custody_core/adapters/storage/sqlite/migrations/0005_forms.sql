-- Printed forms: the parties' requisites and the tariffs (JSON bodies, read
-- whole by the forms that print them), and the numbers forms were issued with.
-- `party_id` is a counterparty's id, or the account's own id for the company.
-- A tariff's `counterparty_id` is '' for the account's default tariff.

CREATE TABLE requisites (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    party_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (account_id, party_id)
);

CREATE TABLE tariffs (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    counterparty_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (account_id, counterparty_id)
);

CREATE TABLE form_numbers (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    year INTEGER NOT NULL,
    number INTEGER NOT NULL,
    issued_at TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    PRIMARY KEY (account_id, kind, source),
    UNIQUE (account_id, kind, year, number)
);
