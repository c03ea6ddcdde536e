"""Error texts: input the command refuses, and the problems of a validation error."""

from custody_core.cli.phrases import PHRASES
from custody_core.domain.codes import CODES
from custody_core.domain.errors import Problem
from custody_core.domain.messages import fill, for_people, label


class InputError(Exception):
    """Input the command itself refuses (a file, an option); the message is a phrase."""

    def __init__(self, phrase: str, **values: object) -> None:
        super().__init__(phrase)
        self.phrase = phrase
        self.values = values

    def message(self, lang: str) -> str:
        return fill(lang, PHRASES[lang][self.phrase], self.values)


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
