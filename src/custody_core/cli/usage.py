"""The command line's own words in the chosen language: argparse's usage lines, section
titles and errors, and the language known before the command line is parsed.

`--lang` is itself an argument, yet argparse words its errors and help while parsing.
So the language is read first from the arguments as they are (`--lang ru`,
`--lang=ru`, an abbreviation such as `--la ru`), else from the `LANG` environment
variable ("ru..." is Russian), else English (`command_language`). argparse words
everything it says through gettext (`argparse._`, `argparse.ngettext`); while a parser is
built and run, `speaking(lang)` puts the catalogue's `[cli_usage]` texts in their place,
so every message argparse has has its words in the language files, and one it gains in a
later Python stays as Python words it (docs/decisions.md).
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from custody_core.domain.messages import LANGUAGES, fill, language

#: argparse's own texts (its gettext message ids) and the `[cli_usage]` key of each.
ARGPARSE_TEXTS: Mapping[str, str] = {
    "usage: ": "usage",
    "positional arguments": "positional_arguments",
    "options": "options",
    "show this help message and exit": "help",
    "%(prog)s: error: %(message)s\n": "error_line",
    "argument %(argument_name)s: %(message)s": "argument",
    "the following arguments are required: %s": "required",
    "one of the arguments %s is required": "one_required",
    "unrecognized arguments: %s": "unrecognized",
    "expected one argument": "expected_one",
    "expected at most one argument": "expected_at_most_one",
    "expected at least one argument": "expected_at_least_one",
    "not allowed with argument %s": "not_allowed_with",
    "ignored explicit argument %r": "explicit_argument",
    "ambiguous option: %(option)s could match %(matches)s": "ambiguous",
    "invalid %(type)s value: %(value)r": "invalid_value",
    "invalid choice: %(value)r (choose from %(choices)s)": "invalid_choice",
    "unexpected option string: %s": "unexpected_option",
}
#: argparse's plural text ("expected %s argument(s)"): the count stays its `%s`.
ARGPARSE_COUNTED = "expected_count"
#: After it, every argument is a value, never an option.
END_OF_OPTIONS = "--"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def default_language(environ: Mapping[str, str] | None = None) -> str:
    """The language when no `--lang` is given: Russian under a Russian `LANG`."""
    environ = os.environ if environ is None else environ
    return "ru" if environ.get("LANG", "").startswith("ru") else "en"


def command_language(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> str:
    """The language the command line asks for, read before it is parsed: the last
    `--lang` (or an abbreviation of it) before a `--`, when it names a language; else the
    default. A `--lang` with a language the library does not speak is left to argparse
    to refuse, in the default language."""
    found = ""
    words = list(argv)
    for index, word in enumerate(words):
        if word == END_OF_OPTIONS:
            break
        option, equals, value = word.partition("=")
        if len(option) < len("--l") or not "--lang".startswith(option):
            continue
        if not equals:
            value = words[index + 1] if index + 1 < len(words) else ""
        found = value
    return found if found in LANGUAGES else default_language(environ)


def usage_text(lang: str, key: str, **values: Any) -> str:
    """A text of `[cli_usage]` in `lang`, filled with `values`."""
    return fill(lang, language(lang).cli_usage[key], values)


def _printf(template: str, message_id: str) -> str:
    """A catalogue text as argparse fills its own: `{name}` as `%(name)s`, or `%s` when
    argparse's text has one unnamed value; a literal % doubled."""
    text = template.replace("%", "%%")
    named = "%(" in message_id
    return _PLACEHOLDER.sub(lambda match: f"%({match[1]})s" if named else "%s", text)


def _gettext(lang: str) -> Callable[[Any], Any]:
    texts = language(lang).cli_usage

    def gettext(message: Any) -> Any:
        key = ARGPARSE_TEXTS.get(message) if isinstance(message, str) else None
        return message if key is None else _printf(texts[key], message)

    return gettext


def _ngettext(lang: str) -> Callable[[str, str, int], str]:
    texts = language(lang).cli_usage

    def ngettext(singular: str, plural: str, count: int) -> str:
        return _printf(texts[ARGPARSE_COUNTED], singular)

    return ngettext


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """argparse words its usage, help and errors in `lang` until the block ends.

    It swaps argparse's module-wide gettext functions: the command line parses in one
    thread, once; the library itself never parses a command line."""
    namespace = vars(argparse)
    saved = namespace["_"], namespace["ngettext"]
    namespace["_"], namespace["ngettext"] = _gettext(lang), _ngettext(lang)
    try:
        yield
    finally:
        namespace["_"], namespace["ngettext"] = saved


class CommandParser(argparse.ArgumentParser):
    """argparse's parser, its choices listed as they are typed rather than as Python's
    repr of them ("a, b", not "'a', 'b'")."""

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if action.choices is not None and value not in action.choices:
            choices = ", ".join(str(choice) for choice in action.choices)
            message = vars(argparse)["_"]("invalid choice: %(value)r (choose from %(choices)s)")
            raise argparse.ArgumentError(action, message % {"value": value, "choices": choices})
