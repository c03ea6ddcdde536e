-- Shipments, reversals, complete order states, monthly closing snapshots and
-- the indexes that keep period reports independent of older history.

ALTER TABLE orders ADD COLUMN failure_reason TEXT;

CREATE TABLE order_handed_over (
    order_id TEXT NOT NULL REFERENCES orders (id),
    line_no INTEGER NOT NULL,
    item_id TEXT NOT NULL REFERENCES items (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, line_no)
) WITHOUT ROWID;

-- Confirmation instants an order had before it was confirmed again (after a
-- failed attempt released its reserve); reports of past days need them.
CREATE TABLE order_confirmations (
    order_id TEXT NOT NULL REFERENCES orders (id),
    confirmed_at TEXT NOT NULL,
    PRIMARY KEY (order_id, confirmed_at)
) WITHOUT ROWID;

-- Per-account counters of numbered documents (shipments, reversals).
CREATE TABLE document_numbers (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    series TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (account_id, series)
) WITHOUT ROWID;

CREATE TABLE shipments (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    number INTEGER NOT NULL,
    shipment_date TEXT NOT NULL,
    order_id TEXT NOT NULL REFERENCES orders (id),
    counterparty_id TEXT NOT NULL REFERENCES counterparties (id),
    warehouse_id TEXT NOT NULL REFERENCES warehouses (id),
    posted_at TEXT NOT NULL,
    posted_by TEXT NOT NULL,
    recipient TEXT,
    address TEXT,
    UNIQUE (account_id, number)
);
CREATE INDEX shipments_by_counterparty ON shipments (account_id, counterparty_id, number);
CREATE INDEX shipments_by_order ON shipments (order_id);

-- Lines of a shipment: refused = 0 for what was handed over, 1 for what was refused.
CREATE TABLE shipment_lines (
    shipment_id TEXT NOT NULL REFERENCES shipments (id),
    refused INTEGER NOT NULL CHECK (refused IN (0, 1)),
    line_no INTEGER NOT NULL,
    item_id TEXT NOT NULL REFERENCES items (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, refused, line_no)
) WITHOUT ROWID;

CREATE TABLE reversals (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    number INTEGER NOT NULL,
    reversal_date TEXT NOT NULL,
    document_kind TEXT NOT NULL,
    document_id TEXT NOT NULL,
    counterparty_id TEXT NOT NULL REFERENCES counterparties (id),
    warehouse_id TEXT NOT NULL REFERENCES warehouses (id),
    reason TEXT NOT NULL,
    posted_at TEXT NOT NULL,
    posted_by TEXT NOT NULL,
    UNIQUE (account_id, number),
    CONSTRAINT reversals_once UNIQUE (document_id)
);
CREATE INDEX reversals_by_counterparty ON reversals (account_id, counterparty_id, number);

CREATE TABLE reversal_lines (
    reversal_id TEXT NOT NULL REFERENCES reversals (id),
    line_no INTEGER NOT NULL,
    item_id TEXT NOT NULL REFERENCES items (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (reversal_id, line_no)
) WITHOUT ROWID;

-- Closed months and the position at each one's end.
CREATE TABLE period_closings (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    period_end TEXT NOT NULL,
    PRIMARY KEY (account_id, period_end)
) WITHOUT ROWID;

CREATE TABLE snapshot_balances (
    account_id TEXT NOT NULL,
    period_end TEXT NOT NULL,
    counterparty_id TEXT NOT NULL,
    warehouse_id TEXT NOT NULL,
    item_id TEXT NOT NULL REFERENCES items (id),
    on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
    reserved INTEGER NOT NULL CHECK (reserved >= 0),
    PRIMARY KEY (account_id, period_end, counterparty_id, warehouse_id, item_id),
    FOREIGN KEY (account_id, period_end) REFERENCES period_closings (account_id, period_end)
) WITHOUT ROWID;

CREATE TABLE snapshot_holds (
    account_id TEXT NOT NULL,
    period_end TEXT NOT NULL,
    counterparty_id TEXT NOT NULL,
    order_id TEXT NOT NULL REFERENCES orders (id),
    warehouse_id TEXT NOT NULL,
    item_id TEXT NOT NULL REFERENCES items (id),
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (account_id, period_end, counterparty_id, order_id, warehouse_id, item_id),
    FOREIGN KEY (account_id, period_end) REFERENCES period_closings (account_id, period_end)
) WITHOUT ROWID;

-- Reports and lists read a counterparty's movements by date; the older
-- per-item and per-order indexes cost every posting and served no query.
CREATE INDEX movements_by_date ON movements (account_id, counterparty_id, occurred_on);
DROP INDEX movements_by_key;
DROP INDEX movements_by_order;

-- Posted documents never change: a mistake is corrected by a reversal.
CREATE TRIGGER documents_immutable_update BEFORE UPDATE ON documents
BEGIN
    SELECT RAISE(ABORT, 'posted documents are immutable');
END;
CREATE TRIGGER documents_immutable_delete BEFORE DELETE ON documents
BEGIN
    SELECT RAISE(ABORT, 'posted documents are immutable');
END;
CREATE TRIGGER document_lines_immutable_update BEFORE UPDATE ON document_lines
BEGIN
    SELECT RAISE(ABORT, 'posted documents are immutable');
END;
CREATE TRIGGER document_lines_immutable_delete BEFORE DELETE ON document_lines
BEGIN
    SELECT RAISE(ABORT, 'posted documents are immutable');
END;
CREATE TRIGGER shipments_immutable_update BEFORE UPDATE ON shipments
BEGIN
    SELECT RAISE(ABORT, 'posted documents are immutable');
END;
CREATE TRIGGER shipments_immutable_delete BEFORE DELETE ON shipments
BEGIN
    SELECT RAISE(ABORT, 'posted documents are immutable');
END;
CREATE TRIGGER shipment_lines_immutable_update BEFORE UPDATE ON shipment_lines
BEGIN
    SELECT RAISE(ABORT, 'posted documents are immutable');
END;
CREATE TRIGGER shipment_lines_immutable_delete BEFORE DELETE ON shipment_lines
BEGIN
    SELECT RAISE(ABORT, 'posted documents are immutable');
END;
CREATE TRIGGER reversals_immutable_update BEFORE UPDATE ON reversals
BEGIN
    SELECT RAISE(ABORT, 'posted documents are immutable');
END;
CREATE TRIGGER reversals_immutable_delete BEFORE DELETE ON reversals
BEGIN
    SELECT RAISE(ABORT, 'posted documents are immutable');
END;
CREATE TRIGGER reversal_lines_immutable_update BEFORE UPDATE ON reversal_lines
BEGIN
    SELECT RAISE(ABORT, 'posted documents are immutable');
END;
CREATE TRIGGER reversal_lines_immutable_delete BEFORE DELETE ON reversal_lines
BEGIN
    SELECT RAISE(ABORT, 'posted documents are immutable');
END;
