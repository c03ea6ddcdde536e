"""XML read element by element in memory that does not grow with the part.

ElementTree's `iterparse` builds the whole tree unless the caller prunes it,
and openpyxl prunes only what it knows: a sheet's rows are cleared but stay in
the tree (with a dict of each row's attributes kept aside), elements it does
not know stay whole, and a row is built whole before it is parsed. `walk`
yields each element as it ends and then prunes it, so a part holds at most
its open elements, a few pruned shells, and one element being kept whole
(a cell, a shared string). The rest is bounded too:

- a whole element of more than `PARTS` elements is refused (a rich-text
  string has a few runs; a hostile cell could hold millions);
- the tree may be at most `DEPTH` levels deep;
- the parser may read at most `QUIET` bytes with no element starting or
  ending: no text and no tag is longer (Excel keeps at most 32,767
  characters in a cell, at most 7 bytes each once escaped).

Entities are refused by defusedxml, as openpyxl's own parsing does. A refusal
is a ValueError, as the parser's own: the reader names it as a damaged file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import iterparse  # type: ignore[import-untyped]

PARTS = 10_000
DEPTH = 64
QUIET = 1 << 20
#: Pruned children a parent keeps before they are deleted in one go.
_SHELLS = 1024

#: Whether an element (given its parent, None for the root) is kept whole until it ends.
Whole = Callable[[Element, Element | None], bool]


def walk(source: IO[bytes], whole: Whole) -> Iterator[tuple[Element, Element | None]]:
    """Each element of `source` with its parent, as it ends.

    A whole element is yielded with its subtree, its descendants are not; once the
    consumer has seen an element it is cleared, and its parent's cleared children are
    deleted every `_SHELLS` (the parser may have built later siblings already, so only
    those seen are ever deleted).
    """
    metered = _Metered(source)
    path: list[tuple[Element, list[int]]] = []  # open elements, each with its seen children
    kept = -1  # depth of the whole element being built, -1 outside one
    parts = 0
    for event, element in iterparse(metered, events=("start", "end")):
        metered.quiet = 0
        if event == "start":
            parent = path[-1][0] if path else None
            path.append((element, [0]))
            if kept >= 0:
                parts += 1
                if parts > PARTS:
                    raise ValueError(f"an element holds over {PARTS:,} elements")
            elif whole(element, parent):
                kept, parts = len(path) - 1, 0
            if len(path) > DEPTH:
                raise ValueError(f"its elements nest over {DEPTH} deep")
            continue
        path.pop()
        depth = len(path)
        if depth > kept >= 0:
            continue
        if depth == kept:
            kept = -1
        parent, seen = path[-1] if path else (None, [0])
        yield element, parent
        element.clear()
        seen[0] += 1
        if parent is not None and seen[0] == _SHELLS:
            del parent[:_SHELLS]
            seen[0] = 0


class _Metered:
    """A member's stream that stops the parser after `QUIET` bytes with no element event
    (the walk resets `quiet` at each; iterparse reads 16 KiB ahead, so a text or tag of
    up to `QUIET` bytes always passes)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.quiet = 0

    def read(self, size: int = -1) -> bytes:
        if self.quiet > QUIET:
            raise ValueError(f"it holds a text or tag of over {QUIET:,} bytes")
        data = self._stream.read(size)
        self.quiet += len(data)
        return data
