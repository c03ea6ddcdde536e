"""Error texts: input the command refuses, and the problems of a validation error."""

from custody_core.cli.phrases import PHRASES
from custody_core.domain.codes import CODES
from custody_core.domain.errors import Problem, file_cause
from custody_core.domain.messages import fill, for_people, label, language


class InputError(Exception):
    """Input the command itself refuses (a file, an option); the message is a phrase, its
    `cause` (one of the catalogue's causes, "file.no_space") in the language's words."""

    def __init__(self, phrase: str, **values: object) -> None:
        super().__init__(phrase)
        self.phrase = phrase
        self.values = values

    def message(self, lang: str) -> str:
        values = dict(self.values)
        cause = values.get("cause")
        if isinstance(cause, str):
            values["cause"] = language(lang).causes.get(cause, cause)
        return fill(lang, PHRASES[lang][self.phrase], values)


def file_error(error: OSError, lang: str, *, writing: bool = False) -> str:
    """An operating system's refusal in the catalogue's words: the file and the cause
    (never the system's own text, which may be in any language)."""
    cause = file_cause(error, writing=writing)
    if error.filename is None:
        return InputError("file_failed", cause=cause).message(lang)
    return InputError("file_error", path=error.filename, cause=cause).message(lang)


def problem_text(problem: Problem, lang: str) -> str:
    """One problem of a validation error, with its row when it has one.

    A code the message catalogue does not know yet still names its field (by its
    label), value and what was expected, each as a message shows it (what was expected in
    the catalogue's words, a date in the language's format).
    """
    phrases = PHRASES[lang]
    if problem.code in CODES:
        text, notes = problem.message(lang), []
    else:
        text = phrases["problem"].format(field=label(lang, problem.field), code=problem.code)
        notes = [
            phrases[f"problem_{key}"].format(**{key: for_people(getattr(problem, key), lang)})
            for key in ("value", "expected")
            if getattr(problem, key) is not None
        ]
    if problem.row is not None and problem.code not in CODES:
        notes.append(phrases["row"].format(row=problem.row))
    return f"{text} ({', '.join(notes)})" if notes else text
