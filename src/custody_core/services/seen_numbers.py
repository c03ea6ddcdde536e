"""The external numbers a registry import has met, with their first rows, in flat memory.

A dict of strings costs about 120 bytes per order, which a 100,000-order
registry feels. This open-addressing table keeps a 64-bit BLAKE2b digest
and a row number per entry in two arrays, at most 24 bytes per order. Two
different numbers sharing a digest (odds near 1 in 10**9 for a million
orders) would be reported as a repeat; the import states that limit.
"""

from __future__ import annotations

import hashlib
from array import array

_EMPTY = 0
_FIRST_SIZE = 1024


def _digest(number: str) -> int:
    value = int.from_bytes(hashlib.blake2b(number.encode(), digest_size=8).digest(), "little")
    return value or 1  # 0 marks an empty slot


class SeenNumbers:
    """number -> the row it was first met on."""

    def __init__(self) -> None:
        self._keys = array("Q", bytes(8 * _FIRST_SIZE))
        self._rows = array("I", bytes(4 * _FIRST_SIZE))
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def first_row(self, number: str) -> int | None:
        slot = self._slot(_digest(number), self._keys)
        return self._rows[slot] if self._keys[slot] != _EMPTY else None

    def add(self, number: str, row: int) -> None:
        """Remember `number` first met on `row` (a number already met keeps its first row)."""
        key = _digest(number)
        slot = self._slot(key, self._keys)
        if self._keys[slot] != _EMPTY:
            return
        self._keys[slot] = key
        self._rows[slot] = row
        self._count += 1
        if self._count * 2 > len(self._keys):
            self._grow()

    @staticmethod
    def _slot(key: int, keys: array[int]) -> int:
        mask = len(keys) - 1
        slot = key & mask
        while keys[slot] not in (_EMPTY, key):
            slot = (slot + 1) & mask
        return slot

    def _grow(self) -> None:
        old_keys, old_rows = self._keys, self._rows
        size = len(old_keys) * 2
        self._keys = array("Q", bytes(8 * size))
        self._rows = array("I", bytes(4 * size))
        for key, row in zip(old_keys, old_rows, strict=True):
            if key != _EMPTY:
                slot = self._slot(key, self._keys)
                self._keys[slot] = key
                self._rows[slot] = row
