"""Benchmarks of custody-core: run `python -m benchmarks [--quick]` from the project root."""
