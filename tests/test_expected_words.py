"""What a problem expected is said in the reader's language: every text of the catalogue's
`[expected]` section reads as Russian, with nothing English but the values themselves, and
the checks that say it (a receipt from the future, a quantity too fine, a month not over,
an INN, an option, a data file's keys) say it so."""

from __future__ import annotations

import ast
import json
import string
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import custody_core
from custody_core import LineDraft, Principal, ReceiptDraft
from custody_core.cli.errors import problem_text
from custody_core.converter import make_converter
from custody_core.domain import codes
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import LANGUAGES, Expected, expect, for_people, plural_categories
from custody_core.domain.numbers import quantity
from custody_core.domain.requisites import Requisites, checked_requisites
from custody_core.plugins import reject_unknown_options
from custody_core.services.application import Application
from custody_core.services.billing import load_requisites, load_tariff
from custody_core.services.desks import BackOffice
from latin_words import latin_words

SRC = Path(custody_core.__file__).parent

#: A sample of every value an `[expected]` text takes. The values a person typed or the
#: library names as they are (types, examples, options, zones, codes) may be Latin and are
#: taken out before the check; fields and named things (roles, reasons, kinds) are shown
#: in words of the language, so they are kept in.
VALUES: dict[str, Any] = {
    "choices": ("included", "excluded"),
    "column": 7,
    "count": 5,
    "counterparty": "ROMASHKA",
    "date": date(2026, 11, 5),
    "example": "+7 912 345-67-89",
    "field": "rows.first_row",
    "fields": ("address", "lines"),
    "first": "A",
    "format": "JSON",
    "high": 1000,
    "kinds": ("act", "invoice"),
    "last": "XFD",
    "limit": Decimal("12.5"),
    "line": 3,
    "long": 10,
    "low": 1,
    "names": ("busy_timeout", "pool_size"),
    "reasons": ("recipient_absent", "wrong_address"),
    "roles": ("manager", "client_cabinet"),
    "row": 2,
    "short": 8,
    "type": "PasswordPolicy",
    "types": ("str", "int"),
    "value": "Иванов",
}
#: The values kept in: their Latin codes must come out as the language's words.
NAMED = {"field", "fields", "kinds", "reasons", "roles"}


def placeholders(text: str) -> dict[str, str | None]:
    return {name: spec for _, name, spec, _ in string.Formatter().parse(text) if name}


def sample(key: str, **changed: Any) -> Expected:
    needed = placeholders(LANGUAGES["en"].expected[key])
    return expect(key, **{name: changed.get(name, VALUES[name]) for name in needed})


def shown_values(expected: Expected) -> list[str]:
    """The values of `expected` a message may show as they are, as each language shows them."""
    kept = [value for name, value in expected.values.items() if name not in NAMED]
    each = [one for value in kept for one in (value if isinstance(value, tuple) else (value,))]
    return [str(for_people(one, locale)) for one in each for locale in ("ru", "en")]


@pytest.mark.parametrize("key", sorted(LANGUAGES["ru"].expected))
def test_every_expected_text_reads_as_russian(key: str) -> None:
    needed = placeholders(LANGUAGES["en"].expected[key])
    assert needed.keys() <= VALUES.keys(), f"add a sample of {needed.keys() - VALUES.keys()}"
    expected = sample(key)
    russian = expected.text("ru")
    assert russian
    assert "?" not in russian
    assert "{" not in russian
    assert latin_words(russian, shown_values(expected)) == [], russian
    assert expected.text("en") == str(expected)


@pytest.mark.parametrize("key", sorted(LANGUAGES["ru"].expected))
def test_a_counted_word_takes_every_form_it_has(key: str) -> None:
    counted = [name for name, spec in placeholders(LANGUAGES["en"].expected[key]).items() if spec]
    for name in counted:
        for count in (0, 1, 2, 5, 21, 22, 111):
            for locale in ("ru", "en"):
                text = sample(key, **{name: count}).text(locale)
                assert f"{count} " in text, (locale, text)
                assert "?" not in text, (locale, text)
    assert len(plural_categories("ru")) == 3


def _expect_calls() -> list[tuple[str, str, set[str]]]:
    """Every `expect("key", name=...)` of the library: where, the key, the value names."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "expect"
            ):
                [key] = node.args
                names = {keyword.arg for keyword in node.keywords if keyword.arg}
                # expect("a" if x else "b", ...) may name either key
                keys = [key.body, key.orelse] if isinstance(key, ast.IfExp) else [key]
                for each in keys:
                    assert isinstance(each, ast.Constant), f"{path}:{node.lineno}"
                    found.append((f"{path.relative_to(SRC)}:{node.lineno}", each.value, names))
    return found


def test_every_key_the_library_expects_by_is_in_the_catalogue_with_its_values() -> None:
    calls = _expect_calls()
    assert len(calls) > 50
    wrong = {
        where: (key, names)
        for where, key, names in calls
        if key not in LANGUAGES["en"].expected
        or names != placeholders(LANGUAGES["en"].expected[key]).keys()
    }
    assert wrong == {}


def test_an_unknown_key_shows_itself_and_its_values() -> None:
    assert expect("plugin.own", limit=3).text("ru") == "plugin.own (3)"


# What the checks say -----------------------------------------------------------------


@pytest.fixture
def office(app: Application) -> BackOffice:
    account = app.create_account("acme", "ACME")
    office = app.back_office(Principal.manager(account.id, "manager"))
    office.add_warehouse("W1", "Main")
    office.add_counterparty("ROMASHKA", "Ромашка")
    office.add_contract("ROMASHKA", "ROMASHKA-1")
    office.add_item("ROMASHKA", "TEA", "Tea")
    return office


def refusal(action: Any) -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        action()
    return raised.value


def test_a_receipt_from_the_future_says_by_which_day_in_russian(office: BackOffice) -> None:
    # the clock stands at 20 November 2026
    draft = ReceiptDraft("R-1", date(2026, 12, 1), "ROMASHKA", "W1", [LineDraft("TEA", 1)])
    error = refusal(lambda: office.post_receipt(draft))
    [problem] = error.problems
    assert problem.expected == expect("on_or_before", date=date(2026, 11, 20))
    russian = error.message("ru")
    assert russian == "дата: 01.12.2026 ещё не наступила (ожидается не позже 20.11.2026)"
    assert latin_words(russian) == []
    assert (
        error.message("en")
        == "date: 2026-12-01 is in the future (expected on or before 2026-11-20)"
    )


def test_a_month_not_over_cannot_be_closed_and_says_the_last_day_that_can(
    office: BackOffice,
) -> None:
    error = refusal(lambda: office.close_periods(date(2026, 11, 30)))
    russian = error.message("ru")
    assert russian.endswith("(ожидается не позже 31.10.2026)"), russian
    assert "30.11.2026" in russian
    assert latin_words(russian) == []


@pytest.mark.parametrize(
    ("scale", "words"),
    [
        (0, "не больше 0 знаков после запятой"),
        (1, "не больше 1 знака после запятой"),
        (2, "не больше 2 знаков после запятой"),
        (3, "не больше 3 знаков после запятой"),
    ],
)
def test_a_quantity_too_fine_says_how_many_decimal_places_in_their_form(
    scale: int, words: str
) -> None:
    error = refusal(lambda: quantity("1.23456", scale, "lines[1].quantity"))
    russian = error.message("ru")
    assert russian.endswith(f"слишком много знаков после запятой (допустимо {words})"), russian
    assert latin_words(russian) == []
    places = "decimal place" if scale == 1 else "decimal places"
    assert error.message("en").endswith(f"(at most {scale} {places})")


def test_an_inn_of_a_wrong_shape_or_check_digit_says_what_an_inn_is_in_russian() -> None:
    for inn in ("123", "7707083894"):  # too short; a check digit off by one
        error = refusal(
            lambda inn=inn: checked_requisites(Requisites("Ромашка", inn=inn), "counterparty")
        )
        [problem] = error.problems
        assert problem.expected == expect("inn")
        russian = error.message("ru")
        assert "(ожидается 10 цифр (организация) или 12 цифр (физическое лицо)" in russian
        assert latin_words(russian) == [], russian


def test_an_unknown_option_names_the_options_there_are_or_says_there_are_none() -> None:
    error = refusal(lambda: reject_unknown_options({"colour": 1}, ["pool_size", "busy_timeout"]))
    russian = error.message("ru")
    assert russian.endswith("(ожидается один из параметров: busy_timeout, pool_size)"), russian
    assert latin_words(russian, ["colour", "busy_timeout", "pool_size"]) == []
    error = refusal(lambda: reject_unknown_options({"colour": 1}, []))
    assert error.message("ru").endswith("(ожидается никаких параметров)")
    assert error.message("en").endswith("(expected no options at all)")


def test_a_problem_of_a_code_the_catalogue_does_not_know_still_says_what_it_expected() -> None:
    problem = Problem(
        "brand.new",  # a plugin's code
        "through",
        date(2030, 1, 31),
        expect("on_or_before", date=date(2029, 12, 31)),
    )
    russian = problem_text(problem, "ru")
    assert "31.01.2030" in russian, russian
    assert "не позже 31.12.2029" in russian, russian
    assert "2029-12-31" in problem_text(problem, "en")


def test_in_json_what_was_expected_is_its_key_values_and_english_text() -> None:
    later = expect("on_or_before", date=date(2026, 11, 20))
    problem = Problem(codes.Date.FUTURE, "date", date(2026, 12, 1), later)
    data = make_converter().unstructure(problem)
    assert json.loads(json.dumps(data))["expected"] == {
        "key": "on_or_before",
        "values": {"date": "2026-11-20"},
        "text": "on or before 2026-11-20",
    }


# Data files: requisites and tariffs ------------------------------------------------------


def data_file_problems(tmp_path: Path, name: str, text: str) -> ValidationError:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    load = load_requisites if name.startswith("requisites") else load_tariff
    return refusal(lambda: load(path))


def test_a_requisites_file_with_an_unknown_key_names_it_in_russian(tmp_path: Path) -> None:
    error = data_file_problems(
        tmp_path, "requisites.json", json.dumps({"name": "Ромашка", "colour": "красный"})
    )
    assert error.message("ru") == "requisites.json, colour: такого ключа здесь нет"
    assert error.message("en") == "requisites.json, colour: no such key here"


def test_a_requisites_file_missing_a_key_names_the_field_by_its_label(tmp_path: Path) -> None:
    bank = {"bank": "Сбербанк", "bik": "044525225", "correspondent_account": "3" * 20}
    error = data_file_problems(
        tmp_path, "requisites.json", json.dumps({"name": "Ромашка", "bank": bank})
    )
    russian = error.message("ru")
    assert russian == "requisites.json, банк, расчётный счёт: не указано, а это обязательно"
    assert latin_words(russian, ["requisites.json"]) == []


def test_a_requisites_file_with_a_value_of_the_wrong_type_says_what_it_should_be(
    tmp_path: Path,
) -> None:
    error = data_file_problems(tmp_path, "requisites.toml", 'name = "Ромашка"\nbank = "Сбербанк"\n')
    assert error.message("ru") == "requisites.toml, банк: ожидается таблица с ключами"


def test_a_tariff_file_says_which_rate_is_wrong_and_how(tmp_path: Path) -> None:
    text = '[vat]\nmode = "in"\nrate = 20\n\n[[rates]]\ncharge = "delivery_order"\nprice = 1.5\n'
    error = data_file_problems(tmp_path, "tariff.toml", text)
    russian = error.message("ru").split("; ")
    assert sorted(russian) == sorted(
        [
            "tariff.toml, расценка 1, услуга: не указано, а это обязательно",
            "tariff.toml, расценка 1, цена: «1.5» не является числом (ожидается десятичное число)",
            "tariff.toml, НДС, режим: ожидается одно из значений: without, included, on_top",
        ]
    ), russian
    for message in russian:
        assert latin_words(message, ["tariff.toml", "without", "included", "on_top"]) == []


@pytest.mark.parametrize(
    ("name", "text", "russian"),
    [
        ("tariff.toml", "rates = [\n", "tariff.toml: ошибка в записи TOML"),
        ("tariff.json", '{"rates": }', "tariff.json: ошибка в записи JSON: строка 1, позиция 11"),
    ],
)
def test_a_data_file_that_is_not_toml_or_json_says_where_it_went_wrong(
    tmp_path: Path, name: str, text: str, russian: str
) -> None:
    error = data_file_problems(tmp_path, name, text)
    assert error.message("ru").startswith(russian), error.message("ru")
    assert error.problems[0].detail  # the parser's own words, for logs
