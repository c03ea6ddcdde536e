"""Implementations of the ports; each registers through the plugin hooks."""
