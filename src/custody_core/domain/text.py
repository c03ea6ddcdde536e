"""Text that shows what it says: finding characters that steer a terminal or a log instead.

A line break or an ANSI escape in a login forges lines of the audit log and
colours a terminal; a zero-width space or a direction override makes two
different strings look alike. Such characters are found here by their Unicode
category, so that every check that refuses them agrees on what they are.
"""

from __future__ import annotations

import unicodedata

#: Controls (line breaks, escapes), format characters (zero-width spaces, direction
#: overrides), line and paragraph separators, surrogates, private use, unassigned.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def hidden_character(text: str) -> str | None:
    """The first character of `text` that does not show as itself, or None."""
    return next((char for char in text if unicodedata.category(char) in _HIDDEN_CATEGORIES), None)


def code_point(char: str) -> str:
    """How a message names a character it must not print: U+000A for a line break."""
    return f"U+{ord(char):04X}"
