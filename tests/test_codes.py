"""Codes are names: every error and problem code is declared once in
`custody_core.domain.codes`, raised by its name, and has a message in every language that
reads as that language, without a Python repr or a fallback."""

import ast
import re
import string
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import custody_core
from custody_core.domain import codes, errors, imports
from custody_core.domain.codes import CODES
from custody_core.domain.messages import LANGUAGES, for_people, render
from latin_words import latin_words

SRC = Path(custody_core.__file__).parent
#: The testing kit compares what the library raised with codes written out by hand, as any
#: test does; it raises nothing of its own.
KIT = SRC / "testing"

#: A representative value of every placeholder, as an error's details hold it: the values a
#: person typed or the library found (logins, SKUs, files, numbers) appear in a message as
#: they are, so the check below removes them before it looks for Latin words.
#: `expected`, `action`, `reason` and `error` are built by the library today, partly in
#: English; that they come in the reader's language is the concern of the problems'
#: `expected` texts, the actions' names and the third-party reasons, not of the catalogue
#: checked here, so their samples are neutral.
SAMPLES = {
    "action": "подтвердить заказ",
    "actor": "manager-1",
    "count": 7,
    "counterparty": "ROMASHKA",
    "date": date(2026, 11, 5),
    "error": "тайм-аут",
    "expected": "не позже 05.11.2026",
    "external_id": "ivanov-ldap",
    "external_number": "EXT-7",
    "extra": "postgres",
    "field": "поле",
    "fields": "фамилия, имя",
    "file": "orders-2026.xlsx",
    "format": "pdf",
    "found": 9,
    "hint": "; возможно, calamine",
    "installed": "openpyxl, calamine",
    "item": "TEA-1",
    "key": "42",
    "known": ".xlsx, .ods, .csv",
    "limit": 1048576,
    "login": "ivanov",
    "name": "sqlite",
    "number": 17,
    "on_hand": Decimal("2.50"),
    "order": 12,
    "other": "calamine",
    "owner": "custody_core.builtin",
    "package": "psycopg",
    "part": "xl/book.xml",
    "plugin": "acme-ldap",
    "quantity": "3",
    "ratio": 150,
    "reader": "openpyxl",
    "reason": "нарушена структура архива",
    "reserved": Decimal("1.5"),
    "reversal": 4,
    "scheme": "mysql",
    "sheet": "Лист2",
    "sheets": "Заказы, Справка",
    "size": 2097152,
    "suffix": ".numbers",
    "until": "30.11.2026 18:15",
    "value": ["TEA-1", "TEA-2"],
    "version": 3,
    "year": 2026,
}
#: Details whose values the catalogue names in words of its own (its `terms`): a sample each
#: that a Russian message must not show as it is.
TERMS = {
    "entity": "order",
    "state": "confirmed",
    "change": "confirm",
    "kind": "receipt",
    "setting": "max_file_bytes",
}
#: Latin text a Russian message may hold: names that are not translated.
NAMES = (
    "pip install 'custody-core[",  # a command to type
    "Strict Open XML",  # a file format's name
    "Excel",  # a program's name
    "OLE",  # formats and encodings, named as their standards name them
    "UTF",
    "XML",
    "xls",
    "zip",
    "workbook.xml",  # the name of a part inside a workbook
)
#: What Python's repr of a sample would leave in a message.
REPR = re.compile(r"Decimal\(|datetime\.|\['|', '")


def placeholders(text: str) -> list[tuple[str, str | None, str | None]]:
    return [
        (name, spec, conversion)
        for _, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    ]


def test_the_declared_codes_are_the_catalogues_keys() -> None:
    declared = {str(code) for code in CODES}
    for texts in LANGUAGES.values():
        assert set(texts.messages) == declared


def test_a_codes_class_is_named_for_its_prefix() -> None:
    for area in codes.Code.__subclasses__():
        for code in area:
            prefix, dot, _ = code.partition(".")
            expected = "General" if not dot else prefix.title().replace("_", "")
            assert area.__name__ == expected, code


def test_no_template_shows_a_repr() -> None:
    shown = {
        (locale, code): [name for name, _, conversion in placeholders(text) if conversion]
        for locale, texts in LANGUAGES.items()
        for code, text in texts.messages.items()
    }
    assert {key: names for key, names in shown.items() if names} == {}


def _causes(code: codes.Code) -> list[str | None]:
    """The causes a message with a `{cause}` is rendered with: every cause of its prefix
    (`file.damaged` for `file.malformed`); None for a message without one."""
    if "cause" not in {name for name, _, _ in placeholders(LANGUAGES["en"].messages[code])}:
        return [None]
    prefix = code.partition(".")[0] + "."
    causes = [cause for cause in LANGUAGES["en"].causes if cause.startswith(prefix)]
    assert causes, f"no cause of {prefix}* for {code}"
    return list(causes)


@pytest.mark.parametrize(
    ("code", "cause"), [(code, cause) for code in sorted(CODES) for cause in _causes(code)]
)
def test_every_code_renders_in_russian_and_english(code: codes.Code, cause: str | None) -> None:
    details = {**SAMPLES, **TERMS, **({} if cause is None else {"cause": cause})}
    needed = {name for name, _, _ in placeholders(LANGUAGES["en"].messages[code])}
    assert needed <= details.keys(), f"add a sample for {needed - details.keys()}"
    fallback = {locale: texts.messages["error"] for locale, texts in LANGUAGES.items()}
    for locale in ("ru", "en"):
        text = render(code, locale, details)
        assert text, locale
        if code != codes.General.ERROR:
            assert text != fallback[locale], locale
        assert "?" not in text, locale
        assert not REPR.search(text), (locale, text)
    russian = render(code, "ru", details)
    shown = (for_people(value) for value in SAMPLES.values())
    assert latin_words(russian, shown, NAMES) == []


def _code_literals(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals given as a code: the first argument of a problem, an error, a bad
    cell or a message, a `code=` keyword, and an error class's `code = ...`."""
    takers = {"Problem", "invalid", "BadCell", "render"} | {
        cls.__name__ for cls in _subclasses(errors.CustodyError)
    }
    found = []
    for node in ast.walk(tree):
        given: list[ast.expr] = []
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else None
            name = node.func.id if isinstance(node.func, ast.Name) else name
            if name in takers and node.args:
                given.append(node.args[0])
            given += [keyword.value for keyword in node.keywords if keyword.arg == "code"]
        elif isinstance(node, ast.ClassDef) and takers & {
            node.name,
            *(base.id for base in node.bases if isinstance(base, ast.Name)),
        }:
            given += [
                statement.value
                for statement in node.body
                if isinstance(statement, ast.Assign | ast.AnnAssign)
                and statement.value is not None
                and "code" in _names(statement)
            ]
        found += [
            (value.lineno, value.value)
            for value in given
            if isinstance(value, ast.Constant) and isinstance(value.value, str)
        ]
    return found


def _names(statement: ast.Assign | ast.AnnAssign) -> set[str]:
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    return {target.id for target in targets if isinstance(target, ast.Name)}


def _subclasses(cls: type) -> set[type]:
    return {cls} | {each for sub in cls.__subclasses__() for each in _subclasses(sub)}


def _sources() -> list[Path]:
    assert imports.RegistryRejected in _subclasses(errors.CustodyError)
    return [path for path in sorted(SRC.rglob("*.py")) if KIT not in path.parents]


def test_every_code_is_raised_by_its_name() -> None:
    loose = {
        f"{path.relative_to(SRC)}:{line}": text
        for path in _sources()
        for line, text in _code_literals(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert loose == {}


def test_no_code_is_spelled_out_beside_its_declaration() -> None:
    spelled = {str(code) for code in CODES}
    found = {
        f"{path.relative_to(SRC)}:{node.lineno}": node.value
        for path in _sources()
        if path.name != "codes.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value in spelled
    }
    assert found == {}


def test_the_check_finds_a_loose_code() -> None:
    source = """
raise NotFound("not_found")
Problem(code="value.invalid")
class Stale(Conflict):
    code = "order.stale"
"""
    found = [text for _, text in _code_literals(ast.parse(source))]
    assert sorted(found) == ["not_found", "order.stale", "value.invalid"]
