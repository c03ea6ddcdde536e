"""Public test kit: clocks, hypothesis strategies and the storage conformance suite."""
