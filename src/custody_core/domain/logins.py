"""What a login may be, and the one form logins are stored and compared in.

Two logins that look the same are the same login or cannot both exist:
compatibility forms are folded by NFKC (fullwidth `ｂｏｓｓ` is `boss`), case
by case-folding, and what NFKC cannot fold is refused: invisible characters
(`boss` followed by a zero-width space) and letters of two scripts in one
login (a Cyrillic `а` in `аdmin`).
"""

from __future__ import annotations

import unicodedata

from custody_core.domain import codes
from custody_core.domain.errors import Problem
from custody_core.domain.messages import expect
from custody_core.domain.text import code_point, hidden_character

#: The longest login accepted, typed (trimmed) and in canonical form alike.
LOGIN_LENGTH = 100

#: Scripts that one writing system mixes by design count as one; modifier letters
#: (apostrophe-like marks) go with any script.
_SCRIPT_GROUPS: dict[str, str | None] = {
    "HIRAGANA": "CJK",
    "KATAKANA": "CJK",
    "HANGUL": "CJK",
    "MODIFIER": None,
}


def login_key(login: str) -> str:
    """The form logins are stored and compared in: NFKC, trimmed and case-folded."""
    folded = unicodedata.normalize("NFKC", login).strip().casefold()
    return unicodedata.normalize("NFKC", folded)


def login_problems(login: str, field: str = "login") -> list[Problem]:
    """Why the typed `login` cannot be a login; none when it can. `login` has passed
    `Checks.text` (trimmed, non-blank, no control characters)."""
    if len(login) > LOGIN_LENGTH or len(login_key(login)) > LOGIN_LENGTH:
        return [
            Problem(
                codes.Text.TOO_LONG, field, expected=expect("at_most_chars", count=LOGIN_LENGTH)
            )
        ]
    hidden = hidden_character(login)
    if hidden is not None:
        return [Problem(codes.Text.HIDDEN_CHARACTERS, field, code_point(hidden))]
    scripts = sorted(scripts_of(login_key(login)))
    if len(scripts) > 1:
        return [Problem(codes.Login.MIXED_SCRIPTS, field, login)]
    return []


def scripts_of(text: str) -> set[str]:
    """The scripts of the letters of `text`, named by the first word of each letter's
    Unicode name (LATIN, CYRILLIC, GREEK, ...); digits, punctuation and marks have none."""
    found = set()
    for char in text:
        if unicodedata.category(char).startswith("L"):
            word = unicodedata.name(char, "").split(" ", 1)[0]
            script = _SCRIPT_GROUPS.get(word, word)
            if script:
                found.add(script)
    return found
