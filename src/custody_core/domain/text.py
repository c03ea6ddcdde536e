"""Text as the library takes it in: characters that steer a terminal or a log instead of
showing as themselves, and how one is shown where it may not be refused.

A line break in a name forges a new audit line, an ANSI escape (ESC, 0x1b)
recolours or erases text, a bidirectional override reverses it, NUL cuts a C
string short and a lone surrogate cannot even be encoded for storage. Every
text the library stores refuses these (`control_characters`). A login must
moreover look like nothing else, so it also refuses what only hides: a
zero-width space, a private-use or unassigned character (`hidden_character`).
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls and DEL (Unicode category Cc), the line and paragraph separators,
# the bidirectional embeddings, overrides and isolates, and lone surrogates.
_OTHER_CONTROLS = r"\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_ANY_CONTROL = re.compile(rf"[\x00-\x1f{_OTHER_CONTROLS}]")
#: The same but for the tab (0x09) and the line break (0x0a), which a multi-line text keeps.
_CONTROL_BUT_LAYOUT = re.compile(rf"[\x00-\x08\x0b-\x1f{_OTHER_CONTROLS}]")
#: Controls, format characters (zero-width spaces, direction overrides), line and
#: paragraph separators, surrogates, private use, unassigned.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def control_characters(value: str, *, multiline: bool = False) -> bool:
    """Whether `value` holds a control character; a `multiline` text may hold tabs and
    line breaks (a carriage return never: it makes a terminal overwrite the line)."""
    pattern = _CONTROL_BUT_LAYOUT if multiline else _ANY_CONTROL
    return pattern.search(value) is not None


def hidden_character(text: str) -> str | None:
    """The first character of `text` that does not show as itself, or None. Controls are
    among them, but a text reaches this check only once `control_characters` has passed
    it, so what it finds in practice is what merely hides."""
    return next((char for char in text if unicodedata.category(char) in _HIDDEN_CATEGORIES), None)


def code_point(char: str) -> str:
    """How a message names a character it must not print: U+000A for a line break."""
    return f"U+{ord(char):04X}"


def escaped(value: str) -> str:
    """`value` with each control character written as its escape (ESC as `\\x1b`, a line
    break as `\\x0a`): readable, one line, and unchanged when escaped again."""
    return _ANY_CONTROL.sub(_escape, value)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
