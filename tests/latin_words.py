"""The check that a Russian message holds no English: Latin words left once the values a
person typed or the library found (logins, SKUs, files, numbers) and the names that are
not translated (formats, programs, standards) are taken out."""

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


def latin_words(text: str, values: Iterable[str] = ()) -> list[str]:
    """The Latin words of `text` once `values` (as shown) and the untranslated names are
    taken out, the longest first so that a value holding another goes whole."""
    for value in sorted(values, key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    for name in NAMES:
        text = text.replace(name, " ")
    return LATIN_WORD.findall(text)
