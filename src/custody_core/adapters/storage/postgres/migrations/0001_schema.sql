-- The whole custody schema as of SQLite schema 5, in PostgreSQL's own types:
-- quantities are numeric(20, 6) and money numeric(17, 2), exact at any
-- unit's scale; ids are uuid; instants timestamptz (stored as UTC); dates
-- date; JSON bodies jsonb. Text that lists are sorted by is COLLATE "C", so
-- the order is that of the code points, the same as SQLite's and memory's.

-- Refuses a change of a row that must never change; the first trigger
-- argument is the message. restrict_violation is an integrity error, as
-- SQLite's RAISE(ABORT) in the same triggers is.
CREATE FUNCTION custody_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TABLE accounts (
    id uuid PRIMARY KEY,
    code text COLLATE "C" NOT NULL UNIQUE,
    name text NOT NULL,
    time_zone text NOT NULL
);

CREATE TABLE counterparties (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    code text COLLATE "C" NOT NULL,
    name text NOT NULL,
    phone text,
    inn text,
    UNIQUE (account_id, code)
);

CREATE TABLE contracts (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    counterparty_id uuid NOT NULL REFERENCES counterparties (id),
    number text COLLATE "C" NOT NULL,
    signed_on date,
    is_main boolean NOT NULL,
    UNIQUE (counterparty_id, number)
);
CREATE UNIQUE INDEX contracts_one_main ON contracts (counterparty_id) WHERE is_main;

CREATE TABLE warehouses (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    code text COLLATE "C" NOT NULL,
    name text NOT NULL,
    UNIQUE (account_id, code)
);

CREATE TABLE items (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    counterparty_id uuid NOT NULL REFERENCES counterparties (id),
    sku text COLLATE "C" NOT NULL,
    name text NOT NULL,
    unit_code text NOT NULL,
    unit_name text NOT NULL,
    unit_scale smallint NOT NULL CHECK (unit_scale BETWEEN 0 AND 6),
    unit_okei text NOT NULL,
    declared_value numeric(17, 2) NOT NULL CHECK (declared_value >= 0),
    UNIQUE (account_id, counterparty_id, sku)
);
CREATE INDEX items_by_sku ON items (account_id, sku);

-- Posted receipts; a receipt is unique by (account, counterparty, kind, number, year).
CREATE TABLE documents (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    kind text NOT NULL,
    counterparty_id uuid NOT NULL REFERENCES counterparties (id),
    contract_id uuid NOT NULL REFERENCES contracts (id),
    warehouse_id uuid NOT NULL REFERENCES warehouses (id),
    number text NOT NULL,
    document_date date NOT NULL,
    document_year integer NOT NULL,
    posted_at timestamptz NOT NULL,
    posted_by text NOT NULL,
    CONSTRAINT documents_unique_number
        UNIQUE (account_id, counterparty_id, kind, number, document_year)
);
CREATE INDEX documents_by_date ON documents (account_id, document_date, posted_at, id);

CREATE TABLE document_lines (
    document_id uuid NOT NULL REFERENCES documents (id),
    line_no integer NOT NULL,
    item_id uuid NOT NULL REFERENCES items (id),
    quantity numeric(20, 6) NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (document_id, line_no)
);

-- Per-account counters: order numbers, and numbered documents by series
-- (shipments, reversals). A counter row is taken with INSERT ... ON CONFLICT
-- DO UPDATE, which locks it until the unit of work ends.
CREATE TABLE order_numbers (
    account_id uuid PRIMARY KEY REFERENCES accounts (id),
    last bigint NOT NULL
);

CREATE TABLE document_numbers (
    account_id uuid NOT NULL REFERENCES accounts (id),
    series text NOT NULL,
    last bigint NOT NULL,
    PRIMARY KEY (account_id, series)
);

-- `details` holds an order's registry attributes (phone, delivery_date,
-- cash_on_delivery as a decimal string, cargo, zone); NULL when it has none.
CREATE TABLE orders (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    number bigint NOT NULL,
    counterparty_id uuid NOT NULL REFERENCES counterparties (id),
    warehouse_id uuid NOT NULL REFERENCES warehouses (id),
    state text NOT NULL,
    version integer NOT NULL,
    created_at timestamptz NOT NULL,
    confirmed_at timestamptz,
    closed_at timestamptz,
    recipient text,
    address text,
    comment text,
    failure_reason text,
    external_number text,
    details jsonb,
    UNIQUE (account_id, number)
);
CREATE INDEX orders_by_state ON orders (account_id, counterparty_id, state);
CREATE UNIQUE INDEX orders_by_external_number
    ON orders (account_id, counterparty_id, external_number)
    WHERE external_number IS NOT NULL;

CREATE TABLE order_lines (
    order_id uuid NOT NULL REFERENCES orders (id),
    line_no integer NOT NULL,
    item_id uuid NOT NULL REFERENCES items (id),
    quantity numeric(20, 6) NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE order_handed_over (
    order_id uuid NOT NULL REFERENCES orders (id),
    line_no integer NOT NULL,
    item_id uuid NOT NULL REFERENCES items (id),
    quantity numeric(20, 6) NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, line_no)
);

-- Confirmation instants an order had before it was confirmed again.
CREATE TABLE order_confirmations (
    order_id uuid NOT NULL REFERENCES orders (id),
    confirmed_at timestamptz NOT NULL,
    PRIMARY KEY (order_id, confirmed_at)
);

-- The append-only ledger; seq is the append order.
CREATE TABLE movements (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    counterparty_id uuid NOT NULL,
    warehouse_id uuid NOT NULL,
    item_id uuid NOT NULL REFERENCES items (id),
    kind text NOT NULL,
    quantity numeric(20, 6) NOT NULL CHECK (quantity > 0),
    document_kind text NOT NULL,
    document_id uuid NOT NULL,
    order_id uuid,
    occurred_on date NOT NULL,
    posted_at timestamptz NOT NULL
);
CREATE INDEX movements_by_date ON movements (account_id, counterparty_id, occurred_on);

-- Running balances, written in the same transaction as the movements.
CREATE TABLE balances (
    account_id uuid NOT NULL REFERENCES accounts (id),
    counterparty_id uuid NOT NULL,
    warehouse_id uuid NOT NULL,
    item_id uuid NOT NULL REFERENCES items (id),
    on_hand numeric(20, 6) NOT NULL CHECK (on_hand >= 0),
    reserved numeric(20, 6) NOT NULL CHECK (reserved >= 0),
    PRIMARY KEY (account_id, counterparty_id, warehouse_id, item_id)
);

CREATE TABLE shipments (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    number bigint NOT NULL,
    shipment_date date NOT NULL,
    order_id uuid NOT NULL REFERENCES orders (id),
    counterparty_id uuid NOT NULL REFERENCES counterparties (id),
    warehouse_id uuid NOT NULL REFERENCES warehouses (id),
    posted_at timestamptz NOT NULL,
    posted_by text NOT NULL,
    recipient text,
    address text,
    UNIQUE (account_id, number)
);
CREATE INDEX shipments_by_counterparty ON shipments (account_id, counterparty_id, number);
CREATE INDEX shipments_by_order ON shipments (order_id);

-- Lines of a shipment: what was handed over, and (refused) what was refused.
CREATE TABLE shipment_lines (
    shipment_id uuid NOT NULL REFERENCES shipments (id),
    refused boolean NOT NULL,
    line_no integer NOT NULL,
    item_id uuid NOT NULL REFERENCES items (id),
    quantity numeric(20, 6) NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, refused, line_no)
);

CREATE TABLE reversals (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    number bigint NOT NULL,
    reversal_date date NOT NULL,
    document_kind text NOT NULL,
    document_id uuid NOT NULL,
    counterparty_id uuid NOT NULL REFERENCES counterparties (id),
    warehouse_id uuid NOT NULL REFERENCES warehouses (id),
    reason text NOT NULL,
    posted_at timestamptz NOT NULL,
    posted_by text NOT NULL,
    UNIQUE (account_id, number),
    CONSTRAINT reversals_once UNIQUE (document_id)
);
CREATE INDEX reversals_by_counterparty ON reversals (account_id, counterparty_id, number);

CREATE TABLE reversal_lines (
    reversal_id uuid NOT NULL REFERENCES reversals (id),
    line_no integer NOT NULL,
    item_id uuid NOT NULL REFERENCES items (id),
    quantity numeric(20, 6) NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (reversal_id, line_no)
);

-- Closed months and the position at each one's end.
CREATE TABLE period_closings (
    account_id uuid NOT NULL REFERENCES accounts (id),
    period_end date NOT NULL,
    PRIMARY KEY (account_id, period_end)
);

CREATE TABLE snapshot_balances (
    account_id uuid NOT NULL,
    period_end date NOT NULL,
    counterparty_id uuid NOT NULL,
    warehouse_id uuid NOT NULL,
    item_id uuid NOT NULL REFERENCES items (id),
    on_hand numeric(20, 6) NOT NULL CHECK (on_hand >= 0),
    reserved numeric(20, 6) NOT NULL CHECK (reserved >= 0),
    PRIMARY KEY (account_id, period_end, counterparty_id, warehouse_id, item_id),
    FOREIGN KEY (account_id, period_end) REFERENCES period_closings (account_id, period_end)
);

CREATE TABLE snapshot_holds (
    account_id uuid NOT NULL,
    period_end date NOT NULL,
    counterparty_id uuid NOT NULL,
    order_id uuid NOT NULL REFERENCES orders (id),
    warehouse_id uuid NOT NULL,
    item_id uuid NOT NULL REFERENCES items (id),
    quantity numeric(20, 6) NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (account_id, period_end, counterparty_id, order_id, warehouse_id, item_id),
    FOREIGN KEY (account_id, period_end) REFERENCES period_closings (account_id, period_end)
);

-- Cabinet access. Logins are stored in login_key form (trimmed, case-folded);
-- roles as a sorted array of their values.
CREATE TABLE users (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    login text COLLATE "C" NOT NULL,
    last_name text NOT NULL,
    first_name text NOT NULL,
    middle_name text,
    phone text,
    email text,
    password_hash text,
    roles text[] NOT NULL,
    disabled boolean NOT NULL,
    external_id text,
    created_at timestamptz NOT NULL,
    version integer NOT NULL,
    UNIQUE (account_id, login)
);
CREATE UNIQUE INDEX users_by_external_id ON users (account_id, external_id)
    WHERE external_id IS NOT NULL;

CREATE TABLE connection_cards (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    counterparty_id uuid NOT NULL REFERENCES counterparties (id),
    contract_id uuid NOT NULL REFERENCES contracts (id),
    user_id uuid NOT NULL REFERENCES users (id),
    login text COLLATE "C" NOT NULL,
    url text,
    created_at timestamptz NOT NULL,
    UNIQUE (account_id, user_id),
    UNIQUE (account_id, login)
);
CREATE INDEX connection_cards_by_counterparty
    ON connection_cards (account_id, counterparty_id, created_at);

-- The settings an administrator saved; no row means the defaults.
CREATE TABLE account_settings (
    account_id uuid PRIMARY KEY REFERENCES accounts (id),
    body jsonb NOT NULL
);

CREATE TABLE attachments (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    order_id uuid NOT NULL REFERENCES orders (id),
    name text COLLATE "C" NOT NULL,
    media_type text NOT NULL,
    size bigint NOT NULL CHECK (size >= 0),
    sha256 text NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    content bytea NOT NULL
);
CREATE INDEX attachments_by_order ON attachments (order_id, created_at);

-- The append-only audit log; seq is the append order.
CREATE TABLE audit_log (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    at timestamptz NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    outcome text NOT NULL,
    counterparty_id uuid,
    target text,
    detail text
);
CREATE INDEX audit_log_by_account ON audit_log (account_id, seq);

CREATE TABLE login_attempts (
    account_id uuid NOT NULL REFERENCES accounts (id),
    login text NOT NULL,
    failures integer NOT NULL CHECK (failures >= 0),
    locked_until timestamptz,
    PRIMARY KEY (account_id, login)
);

-- Order registries: stored templates and the imports made with them.
CREATE TABLE registry_templates (
    account_id uuid NOT NULL REFERENCES accounts (id),
    name text COLLATE "C" NOT NULL,
    body jsonb NOT NULL,
    PRIMARY KEY (account_id, name)
);

CREATE TABLE registry_imports (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES accounts (id),
    counterparty_id uuid NOT NULL REFERENCES counterparties (id),
    template text NOT NULL,
    file_name text NOT NULL,
    file_hash text NOT NULL,
    imported_at timestamptz NOT NULL,
    imported_by text NOT NULL,
    orders_created integer NOT NULL
);
CREATE INDEX registry_imports_by_hash
    ON registry_imports (account_id, counterparty_id, file_hash, imported_at);

-- Printed forms: the parties' requisites and the tariffs (read whole by the
-- forms that print them), and the numbers forms were issued with. `party_id`
-- is a counterparty's id, or the account's own id for the company; a tariff
-- with no counterparty is the account's default one.
CREATE TABLE requisites (
    account_id uuid NOT NULL REFERENCES accounts (id),
    party_id uuid NOT NULL,
    body jsonb NOT NULL,
    PRIMARY KEY (account_id, party_id)
);

CREATE TABLE tariffs (
    account_id uuid NOT NULL REFERENCES accounts (id),
    counterparty_id uuid,
    body jsonb NOT NULL,
    CONSTRAINT tariffs_one_per_party UNIQUE NULLS NOT DISTINCT (account_id, counterparty_id)
);

CREATE TABLE form_numbers (
    account_id uuid NOT NULL REFERENCES accounts (id),
    kind text NOT NULL,
    source text NOT NULL,
    year integer NOT NULL,
    number integer NOT NULL,
    issued_at timestamptz NOT NULL,
    issued_by text NOT NULL,
    PRIMARY KEY (account_id, kind, source),
    UNIQUE (account_id, kind, year, number)
);

-- What is posted never changes: the ledger and the audit log are append-only,
-- and a posted document is corrected by a reversal, never edited.
CREATE TRIGGER movements_append_only BEFORE UPDATE OR DELETE ON movements
    FOR EACH ROW EXECUTE FUNCTION custody_refuse_change('movements are append-only');
CREATE TRIGGER movements_append_only_truncate BEFORE TRUNCATE ON movements
    FOR EACH STATEMENT EXECUTE FUNCTION custody_refuse_change('movements are append-only');
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION custody_refuse_change('the audit log is append-only');
CREATE TRIGGER audit_log_append_only_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION custody_refuse_change('the audit log is append-only');
CREATE TRIGGER documents_immutable BEFORE UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION custody_refuse_change('posted documents are immutable');
CREATE TRIGGER document_lines_immutable BEFORE UPDATE OR DELETE ON document_lines
    FOR EACH ROW EXECUTE FUNCTION custody_refuse_change('posted documents are immutable');
CREATE TRIGGER shipments_immutable BEFORE UPDATE OR DELETE ON shipments
    FOR EACH ROW EXECUTE FUNCTION custody_refuse_change('posted documents are immutable');
CREATE TRIGGER shipment_lines_immutable BEFORE UPDATE OR DELETE ON shipment_lines
    FOR EACH ROW EXECUTE FUNCTION custody_refuse_change('posted documents are immutable');
CREATE TRIGGER reversals_immutable BEFORE UPDATE OR DELETE ON reversals
    FOR EACH ROW EXECUTE FUNCTION custody_refuse_change('posted documents are immutable');
CREATE TRIGGER reversal_lines_immutable BEFORE UPDATE OR DELETE ON reversal_lines
    FOR EACH ROW EXECUTE FUNCTION custody_refuse_change('posted documents are immutable');
