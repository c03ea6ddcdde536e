"""Finding English in a Russian text: the Latin words left once the values it names (SKUs,
logins, files, codes a person typed) and the names that are never translated are taken out."""

from __future__ import annotations

import re
from collections.abc import Iterable

LATIN_WORD = re.compile(r"[A-Za-z]+")


def latin_words(
    text: str, values: Iterable[object] = (), names: Iterable[str] = (), *, shortest: int = 1
) -> list[str]:
    """The Latin words of `text` of `shortest` letters or more, after each of `values`
    (as text, the longest first) and each of `names` is taken out."""
    for value in sorted({str(value) for value in values}, key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    for name in names:
        text = text.replace(name, " ")
    return [word for word in LATIN_WORD.findall(text) if len(word) >= shortest]
