"""The pure model: entities, rules and errors. No I/O, no clock, no drivers."""
