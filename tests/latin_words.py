"""The check that a Russian message holds no English: Latin words left once the values a
person typed or the library found (logins, SKUs, files, numbers) and the names that are
not translated (formats, programs, standards) are taken out."""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Latin text a Russian message may hold: names that are not translated.
NAMES = (
    "pip install 'custody-core[",  # a command to type
    "Strict Open XML",  # a file format's name
    "Excel",  # a program's name
    "OLE",  # formats and encodings, named as their standards name them
    "UTF",
    "XML",
    "JSON",
    "TOML",
    ".json",
    ".toml",
    "IANA",  # the time zone database, and a zone as it names it
    "Europe/Moscow",
    "xls",
    "zip",
    "workbook.xml",  # the name of a part inside a workbook
)
LATIN_WORD = re.compile(r"[A-Za-z]+")


def latin_words(
    text: str, values: Iterable[object] = (), names: Iterable[str] = NAMES, *, shortest: int = 1
) -> list[str]:
    """The Latin words of `text` of `shortest` letters or more, after each of `values`
    (as shown, the longest first, so that a value holding another goes whole) and each of
    `names` is taken out."""
    for value in sorted({str(value) for value in values}, key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    for name in names:
        text = text.replace(name, " ")
    return [word for word in LATIN_WORD.findall(text) if len(word) >= shortest]
