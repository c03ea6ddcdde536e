"""What both benchmarks share: the machine description, medians and plain-text tables."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import custody_core
from custody_core.adapters.storage.postgres import plugin as postgres_plugin
from custody_core.services.application import Application

#: One piece at the storage scale (quantities are stored as counts of 10**-6 units).
ONE = 1_000_000
#: What the benchmarks print when a target ratio is not reached (the run still passes).
MISSED = "TARGET MISSED"


@dataclass
class Outcome:
    """Lines to print and invariant violations found by one benchmark."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)


def open_url(url: str, **options: Any) -> Application:
    """`custody_core.open` without entry points, PostgreSQL's plugin given explicitly
    (it imports psycopg only when a postgresql:// URL is opened)."""
    return custody_core.open(url, entry_points=False, plugins=[postgres_plugin], **options)


def cores() -> int:
    return os.cpu_count() or 1


def environment() -> list[str]:
    try:
        version = importlib.metadata.version("custody-core")
    except importlib.metadata.PackageNotFoundError:
        version = "not installed"
    return [
        f"custody-core {version}",
        f"Python {platform.python_version()} ({platform.python_implementation()}),"
        f" SQLite {sqlite3.sqlite_version}",
        f"{platform.platform()}, {cores()} CPUs (os.cpu_count())",
    ]


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> list[str]:
    """A fixed-width table; `align` has an "l" or "r" per column (default: first left)."""
    align = align or "l" + "r" * (len(header) - 1)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def render(row: Sequence[str]) -> str:
        cells = [
            cell.ljust(width) if side == "l" else cell.rjust(width)
            for cell, width, side in zip(row, widths, align, strict=True)
        ]
        return "  ".join(cells).rstrip()

    return [render(header), "  ".join("-" * width for width in widths), *map(render, rows)]


def verdict(ratio: float, target: float) -> str:
    return f"within {target:g}x: met" if ratio <= target else f"within {target:g}x: {MISSED}"
