"""The external numbers a registry import has met, with their first rows, in flat memory.

A dict of strings costs about 120 bytes per order, which a 100,000-order
registry feels. This table keeps a 64-bit digest (Python's own string hash:
SipHash under a key drawn when the process starts, unless PYTHONHASHSEED
fixes it, so no file can be made to collide on purpose; computed once per
string) and a row number per
number met, in insertion order in two dense arrays (12 bytes each), and
finds them through an open-addressing index of 4-byte positions, at most
four slots per number: 20 to 28 bytes per order. A table of digest and row
per slot would cost 24 to 48, and half as much again while it grows. Two
different numbers sharing a digest (odds near 1 in 10**9 for a million
orders) would be reported as a repeat; the import states that limit.
"""

from __future__ import annotations

from array import array

#: An index slot holding no position (positions are stored plus one).
_EMPTY = 0
_FIRST_SIZE = 1024
_UNSIGNED = (1 << 64) - 1


def _digest(number: str) -> int:
    return hash(number) & _UNSIGNED


class SeenNumbers:
    """number -> the row it was first met on."""

    def __init__(self) -> None:
        self._digests = array("Q")
        self._rows = array("I")
        self._index = array("I", [_EMPTY]) * _FIRST_SIZE

    def __len__(self) -> int:
        return len(self._digests)

    def remember(self, number: str, row: int) -> int | None:
        """The row `number` was first met on; None, after remembering `row`, if it is new.

        One digest and one probe serve both the question and the insertion: this
        runs once an order.
        """
        digest = _digest(number)
        slot = self._slot(digest)
        position = self._index[slot]
        if position != _EMPTY:
            return self._rows[position - 1]
        self._digests.append(digest)
        self._rows.append(row)
        self._index[slot] = len(self._digests)
        if len(self._digests) * 2 > len(self._index):
            self._grow()
        return None

    def _slot(self, digest: int) -> int:
        """The slot of `digest`'s position, or the empty slot where it would go."""
        index, digests = self._index, self._digests
        mask = len(index) - 1
        slot = digest & mask
        while index[slot] != _EMPTY and digests[index[slot] - 1] != digest:
            slot = (slot + 1) & mask
        return slot

    def _grow(self) -> None:
        self._index = array("I", [_EMPTY]) * (len(self._index) * 2)
        for position, digest in enumerate(self._digests, 1):
            self._index[self._slot(digest)] = position
