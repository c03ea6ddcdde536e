-- Custody ledger core. Quantities are INTEGER counts of 10^-6 units, money is
-- INTEGER kopecks, ids are canonical UUID text, dates ISO text, instants ISO
-- text in UTC with microseconds (so text order is time order).

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL
);

CREATE TABLE counterparties (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    phone TEXT,
    inn TEXT,
    UNIQUE (account_id, code)
);

CREATE TABLE contracts (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    counterparty_id TEXT NOT NULL REFERENCES counterparties (id),
    number TEXT NOT NULL,
    signed_on TEXT,
    is_main INTEGER NOT NULL CHECK (is_main IN (0, 1)),
    UNIQUE (counterparty_id, number)
);
CREATE UNIQUE INDEX contracts_one_main ON contracts (counterparty_id) WHERE is_main = 1;

CREATE TABLE warehouses (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (account_id, code)
);

CREATE TABLE items (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    counterparty_id TEXT NOT NULL REFERENCES counterparties (id),
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    unit_name TEXT NOT NULL,
    unit_scale INTEGER NOT NULL CHECK (unit_scale BETWEEN 0 AND 6),
    unit_okei TEXT NOT NULL,
    declared_value INTEGER NOT NULL CHECK (declared_value >= 0),
    UNIQUE (account_id, counterparty_id, sku)
);
CREATE INDEX items_by_sku ON items (account_id, sku);

-- Posted documents of every kind; the key that makes a document unique is
-- (account, counterparty, kind, number, year).
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    counterparty_id TEXT NOT NULL REFERENCES counterparties (id),
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    warehouse_id TEXT NOT NULL REFERENCES warehouses (id),
    number TEXT NOT NULL,
    document_date TEXT NOT NULL,
    document_year INTEGER NOT NULL,
    posted_at TEXT NOT NULL,
    posted_by TEXT NOT NULL,
    CONSTRAINT documents_unique_number UNIQUE (account_id, counterparty_id, kind, number, document_year)
);

CREATE TABLE document_lines (
    document_id TEXT NOT NULL REFERENCES documents (id),
    line_no INTEGER NOT NULL,
    item_id TEXT NOT NULL REFERENCES items (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (document_id, line_no)
) WITHOUT ROWID;

CREATE TABLE order_numbers (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    last INTEGER NOT NULL
);

CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    number INTEGER NOT NULL,
    counterparty_id TEXT NOT NULL REFERENCES counterparties (id),
    warehouse_id TEXT NOT NULL REFERENCES warehouses (id),
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    closed_at TEXT,
    recipient TEXT,
    address TEXT,
    comment TEXT,
    UNIQUE (account_id, number)
);
CREATE INDEX orders_by_state ON orders (account_id, counterparty_id, state);

CREATE TABLE order_lines (
    order_id TEXT NOT NULL REFERENCES orders (id),
    line_no INTEGER NOT NULL,
    item_id TEXT NOT NULL REFERENCES items (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, line_no)
) WITHOUT ROWID;

-- The append-only ledger; seq is the append order.
CREATE TABLE movements (
    seq INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    counterparty_id TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    item_id TEXT NOT NULL REFERENCES items (id),
    kind TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    document_kind TEXT NOT NULL,
    document_id TEXT NOT NULL,
    order_id TEXT,
    occurred_on TEXT NOT NULL,
    posted_at TEXT NOT NULL
);
CREATE INDEX movements_by_key ON movements (account_id, counterparty_id, item_id, occurred_on);
CREATE INDEX movements_by_order ON movements (order_id) WHERE order_id IS NOT NULL;

CREATE TRIGGER movements_append_only_update BEFORE UPDATE ON movements
BEGIN
    SELECT RAISE(ABORT, 'movements are append-only');
END;
CREATE TRIGGER movements_append_only_delete BEFORE DELETE ON movements
BEGIN
    SELECT RAISE(ABORT, 'movements are append-only');
END;

-- Running balances, kept in the same transaction as the movements.
CREATE TABLE balances (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    counterparty_id TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    item_id TEXT NOT NULL REFERENCES items (id),
    on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
    reserved INTEGER NOT NULL CHECK (reserved >= 0),
    PRIMARY KEY (account_id, counterparty_id, warehouse_id, item_id)
) WITHOUT ROWID;
