-- Order registries: an order's external number (unique per counterparty) and
-- the registry's other attributes, stored templates, and the imports made.
-- `details` is a JSON object (phone, delivery_date, cash_on_delivery as a
-- decimal string, cargo lines); NULL when the order has none of them.

ALTER TABLE orders ADD COLUMN external_number TEXT;
ALTER TABLE orders ADD COLUMN details TEXT;
CREATE UNIQUE INDEX orders_by_external_number
    ON orders (account_id, counterparty_id, external_number)
    WHERE external_number IS NOT NULL;

CREATE TABLE registry_templates (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
);

CREATE TABLE registry_imports (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    counterparty_id TEXT NOT NULL REFERENCES counterparties (id),
    template TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    orders_created INTEGER NOT NULL
);
CREATE INDEX registry_imports_by_hash
    ON registry_imports (account_id, counterparty_id, file_hash, imported_at);
