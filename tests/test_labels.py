"""Every field a problem can name has a label in every language, and messages show the
label, not the field's code; the names of things (states, roles, actions, ...) come from
the same language files wherever they are shown."""

from __future__ import annotations

import ast
import collections.abc
import inspect
import re
import typing
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

import custody_core
from custody_core.domain.errors import NotFound, PermissionDenied, Problem, ValidationError
from custody_core.domain.forms import FormKind
from custody_core.domain.ledger import DocumentKind, MovementKind
from custody_core.domain.messages import LANGUAGES, fill, label, render
from custody_core.domain.orders import FAILURE_REASONS, OrderChange, OrderState
from custody_core.domain.principal import Role
from custody_core.domain.registry import FIELDS
from custody_core.services.authorization import Action
from custody_core.services.desks import BackOffice, Cabinet

SOURCE = Path(custody_core.__file__).parent
#: Storage adapters build SQL with `where(...)` terms: not fields of a problem.
NOT_FIELDS = SOURCE / "adapters" / "storage"
#: Arguments checked for their class only (`services.arguments`), not field by field.
WHOLE = {"custody_core.domain.forms", "custody_core.domain.paging"}


def _field_parameters(trees: list[ast.Module]) -> dict[str, int]:
    """Callables taking a field name, and the position of that argument."""
    takes = {"Problem": 1, "invalid": 1}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                names = [argument.arg for argument in node.args.args]
                bound = 1 if names[:1] in (["self"], ["cls"]) else 0
                for name in ("field", "where"):
                    if name in names:
                        takes.setdefault(node.name, names.index(name) - bound)
    return takes


def _text(node: ast.expr) -> str | None:
    """A literal field, an f-string's variable parts as "{}"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
    return None


def literal_fields() -> Iterator[str]:
    """Fields the source passes to Problem, `invalid` and every function with a `field`
    (or `where`) parameter, or names a variable `field` after, as literals or f-strings."""
    paths = [path for path in SOURCE.rglob("*.py") if NOT_FIELDS not in path.parents]
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in paths]
    takes = _field_parameters(trees)
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(
                getattr(target, "id", None) in ("field", "where") for target in node.targets
            ):
                text = _text(node.value)
                if text:
                    yield text
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            if name not in takes:
                continue
            given = [kw.value for kw in node.keywords if kw.arg in ("field", "where")]
            given += node.args[takes[name] : takes[name] + 1]
            for argument in given:
                text = _text(argument)
                if text:
                    yield text


def _attrs_fields(kind: object, prefix: str) -> Iterator[str]:
    """`prefix` and the dotted names of the fields within an attrs class (of a list's
    entries, `prefix[]`), as the checks of that class name its problems."""
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if isinstance(origin, type) and issubclass(origin, collections.abc.Mapping):
        yield prefix  # its entries are named by their keys, as "defaults.zone"
        return
    if isinstance(origin, type) and issubclass(origin, collections.abc.Iterable):
        yield from _attrs_fields(arguments[0], f"{prefix}[{{}}]")
        return
    for argument in arguments:
        yield from _attrs_fields(argument, prefix)
    yield prefix
    if isinstance(kind, type) and attrs.has(kind) and kind.__module__ not in WHOLE:
        hints = typing.get_type_hints(kind)
        for field in attrs.fields(kind):
            yield from _attrs_fields(hints[field.name], f"{prefix}.{field.name}")


def argument_fields() -> Iterator[str]:
    """The parameters of the desks' public methods, which `services.arguments` names in
    its problems, and the fields of the drafts, settings, requisites and templates they
    take."""
    for desk in (BackOffice, Cabinet):
        for name, method in inspect.getmembers(desk, inspect.isfunction):
            if name.startswith("_"):
                continue
            hints = typing.get_type_hints(method)
            for parameter in list(inspect.signature(method).parameters)[1:]:
                if parameter in hints:
                    for field in _attrs_fields(hints[parameter], parameter):
                        yield field.split(".", 1)[1] if "." in field else field


def every_field() -> set[str]:
    """Every field a problem can carry: literals, arguments and their fields, registry
    template fields and their defaults."""
    registry = [*FIELDS, *(f"defaults.{name}" for name in FIELDS)]
    return {*literal_fields(), *argument_fields(), *registry}


def segments(field: str) -> Iterator[str]:
    """The label keys a field needs: each dotted segment, a list's entry as "name[]";
    segments made of a variable ("{}") need none."""
    for segment in field.split("."):
        key = re.sub(r"\[[^\]]*\]$", "[]", segment)
        if "{}" not in key and key:
            yield key


def test_the_enumeration_finds_the_fields_of_every_source() -> None:
    fields = every_field()
    # A literal, an f-string entry, a desk parameter, a draft's list, a setting, a
    # requisite, a registry field.
    assert {"last_name", "lines[{}]", "counterparty", "cargo[{}]"} <= fields
    assert {"password_policy.min_length", "{}.settlement_account", "defaults.zone"} <= fields


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_every_field_a_problem_can_name_has_a_label(locale: str) -> None:
    labels = LANGUAGES[locale].labels
    needed = {segment for field in every_field() for segment in segments(field)}
    assert sorted(needed - set(labels)) == []


@pytest.mark.parametrize(
    ("locale", "field", "expected"),
    [
        ("ru", "last_name", "фамилия"),
        ("en", "last_name", "last name"),
        ("ru", "lines[2].quantity", "строка 2 документа, количество"),
        ("en", "lines[2].quantity", "document line 2, quantity"),
        ("ru", "refused[COF-002]", "отказ от товара COF-002"),
        ("ru", "company.bank.bik", "организация, банк, БИК"),
        ("ru", "options.busy_timeout", "параметр, busy_timeout"),
        ("ru", "requisites.json.bank.bik", "requisites.json, банк, БИК"),
        ("en", "tariff.json", "tariff.json"),
    ],
)
def test_a_field_is_labelled_by_its_segments(locale: str, field: str, expected: str) -> None:
    assert label(locale, field) == expected


def test_a_problem_names_its_field_by_label_and_keeps_the_field() -> None:
    problem = Problem("quantity.too_fine", "lines[2].quantity", 1.5, "0 decimal places")

    assert problem.message("ru").startswith("строка 2 документа, количество: ")
    assert problem.message("en").startswith("document line 2, quantity: ")
    assert problem.field == "lines[2].quantity"
    assert ValidationError([problem]).problems[0].field == "lines[2].quantity"


@pytest.mark.parametrize(
    ("entity", "key", "expected"),
    [
        ("order", 3, "Заказ 3 не найден"),
        ("shipment", 7, "Расходная накладная 7 не найдена"),
        ("attachment", "x", "Вложение x не найдено"),
        ("database", "a.sqlite", "База данных a.sqlite не найдена"),
    ],
)
def test_not_found_agrees_in_gender(entity: str, key: object, expected: str) -> None:
    assert NotFound(entity=entity, key=key).message("ru") == expected


def test_every_entity_a_lookup_names_has_its_not_found_text() -> None:
    """Entities named in NotFound(entity=...) and require_visible(..., "entity", ...)."""
    named = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        named |= set(re.findall(r'entity="([^"]+)"', text))
        named |= set(re.findall(r'require_visible\([^,]+, [^,]+, "([^"]+)"', text))
    assert named
    for texts in LANGUAGES.values():
        assert named <= set(texts.not_found)


@pytest.mark.parametrize(
    ("section", "codes"),
    [
        ("order_states", {state.value for state in OrderState}),
        ("order_changes", {change.value for change in OrderChange}),
        ("failure_reasons", set(FAILURE_REASONS)),
        ("roles", {role.value for role in Role}),
        ("actions", {action.value for action in Action}),
        ("movement_kinds", {kind.value for kind in MovementKind}),
        ("document_kinds", {kind.value for kind in DocumentKind}),
        ("form_kinds", {kind.value for kind in FormKind}),
    ],
)
@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_every_named_thing_has_a_name(locale: str, section: str, codes: set[str]) -> None:
    assert set(getattr(LANGUAGES[locale], section)) == codes


def test_a_refused_action_is_named_in_the_language() -> None:
    error = PermissionDenied(actor="ivan", action=Action.POST_RECEIPT.value)

    assert error.message("ru") == "ivan: нет права проводить приходные накладные"
    assert error.message("en") == "ivan may not post receipts"
    assert error.details["action"] == "post receipts"


def test_an_illegal_change_names_the_state_and_the_change() -> None:
    from custody_core.domain.errors import IllegalTransition

    error = IllegalTransition(order=3, state="draft", change="deliver")

    assert error.message("ru") == "Заказ 3 в состоянии «черновик»: действие «доставить» недопустимо"


@pytest.mark.parametrize(
    ("locale", "count", "expected"),
    [
        ("ru", 1, "и ещё 1 замечание (здесь не перечислены)"),
        ("ru", 3, "и ещё 3 замечания (здесь не перечислены)"),
        ("ru", 5, "и ещё 5 замечаний (здесь не перечислены)"),
        ("ru", 11, "и ещё 11 замечаний (здесь не перечислены)"),
        ("ru", 22, "и ещё 22 замечания (здесь не перечислены)"),
        ("en", 1, "1 more problem, not listed"),
        ("en", 2, "2 more problems, not listed"),
    ],
)
def test_a_count_takes_the_plural_form_of_its_language(
    locale: str, count: int, expected: str
) -> None:
    assert render("registry.problems_omitted", locale, {"count": count}) == expected


def test_orders_are_counted_in_russian() -> None:
    words = {"one": "заказ", "few": "заказа", "many": "заказов"}
    template = "{n:" + "|".join(f"{key}={word}" for key, word in words.items()) + "}"

    shown = [fill("ru", template, {"n": n}) for n in (1, 3, 5, 21, 104, 111)]

    assert shown == ["1 заказ", "3 заказа", "5 заказов", "21 заказ", "104 заказа", "111 заказов"]
