"""Storage adapters: in-memory and SQLite built in; PostgreSQL behind an extra."""
