"""The arguments of a public desk method, checked against its signature before it runs.

The annotations of the desk methods are the library's contract with its
callers. An argument of another type (a str where a number is expected, None
where text is, bytes, a float) is a ValidationError naming the parameter, not a
TypeError or AttributeError from deep inside, nor a driver's error: so is text
that no database can store (a NUL character, which PostgreSQL refuses, or half
of a surrogate pair, which is no UTF-8 at all). The fields of a draft (a class
named `...Draft`: what a user typed, checked field by field by its use case)
are checked the same way and named as the use case names them (`lines[2].sku`);
other values (a PageRequest, a Form) are checked for their class only.

Types, not values: a whole number from 1, a non-blank code or a known SKU are
the use cases' checks.
"""

from __future__ import annotations

import collections.abc
import functools
import inspect
import types
import typing
from collections.abc import Callable, Iterator, Sized
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import PurePath
from typing import Any, TypeVar

import attrs

from custody_core.domain import codes
from custody_core.domain.checks import MAX_LIST_LENGTH, storable
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import expect

T = TypeVar("T")
#: The problems of a value (none when it is right), given the field it came in as.
Check = Callable[[Any, str], list[Problem]]
_UNIONS = (typing.Union, types.UnionType)
#: The most entries a collection argument may hold: longer ones are refused before any
#: of their entries is checked, so a huge list costs nothing. The application's
#: `max_list_length`, set for a call by `list_limit`.
_LIST_LIMIT: ContextVar[int] = ContextVar("list_limit", default=MAX_LIST_LENGTH)


@contextmanager
def list_limit(limit: int) -> Iterator[None]:
    """Within this block, collection arguments longer than `limit` are refused."""
    token = _LIST_LIMIT.set(limit)
    try:
        yield
    finally:
        _LIST_LIMIT.reset(token)


def checking_arguments(method: Callable[..., T]) -> Callable[..., T]:
    """`method`, refusing arguments its annotations do not allow before it runs.

    The checks are made once from the annotations; a call only runs them.
    """
    hints = typing.get_type_hints(method)
    parameters = inspect.signature(method).parameters.values()
    positional = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    named = {p.name for p in parameters}
    checks = {
        p.name: _compile(hints[p.name], nested=False)
        for p in parameters
        if p.name in hints and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    options = next((_options(hints[p.name]) for p in parameters if p.kind is p.VAR_KEYWORD), None)

    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> T:
        problems: list[Problem] = []
        for name, value in [*zip(positional, args, strict=False), *kwargs.items()]:
            check = checks.get(name)
            if check is not None:
                problems += check(value, name)
            elif options is not None and name not in named:
                problems += options(value, name)
        if problems:
            raise ValidationError(problems)
        return method(*args, **kwargs)

    return run


def _options(hint: Any) -> Check:
    """The check of keyword options typed as `**options: Unpack[SomeTypedDict]`."""
    (typed_dict,) = typing.get_args(hint)
    known = {name: _compile(h) for name, h in typing.get_type_hints(typed_dict).items()}

    def check(value: Any, name: str) -> list[Problem]:
        if name not in known:
            return [
                Problem(
                    codes.Value.UNKNOWN_OPTION, name, expected=expect("option", names=sorted(known))
                )
            ]
        return known[name](value, name)

    return check


@functools.cache
def _compile(hint: Any, nested: bool = True) -> Check:
    """The check of a value annotated `hint`: one problem for a value of another type,
    the first wrong element's for a collection, every wrong field's for a draft (named
    after the field the draft came in as when `nested`, else by their own names)."""
    accepts = _acceptor(hint)
    shown = _shown(hint)
    collections_ = _collection_arms(hint)

    def check(value: Any, field: str) -> list[Problem]:
        if not accepts(value):
            return [
                Problem(
                    codes.Value.WRONG_TYPE, field, type(value).__name__, expect("type", type=shown)
                )
            ]
        if isinstance(value, str | PurePath):
            # NUL and half surrogates, which no database stores, are control characters
            # every field refuses: refused here before any lookup, whatever the field.
            return [] if storable(str(value)) else [Problem(codes.Text.CONTROL_CHARACTERS, field)]
        fields = _draft_fields(type(value))
        if fields is not None:
            prefix = f"{field}." if nested else ""
            return [
                problem
                for name, check in fields
                for problem in check(getattr(value, name), prefix + name)
            ]
        for origin, elements in collections_:
            if isinstance(value, origin):
                return _element_problems(value, field, elements)
        return []

    return check


def _element_problems(value: Any, field: str, elements: tuple[Check, ...]) -> list[Problem]:
    """The problems of the first wrong element (or key and value) of a collection, after
    refusing one longer than the list limit."""
    limit = _LIST_LIMIT.get()
    if isinstance(value, Sized) and len(value) > limit:
        return [Problem(codes.List.TOO_LONG, field, len(value), expect("at_most", limit=limit))]
    if len(elements) == 2:
        check_key, check_value = elements
        for key, item in value.items():
            found = check_key(key, field) + check_value(item, f"{field}[{key}]")
            if found:
                return found
        return []
    (check_element,) = elements
    for number, element in enumerate(value, 1):
        found = check_element(element, f"{field}[{number}]")
        if found:
            return found
    return []


def _acceptor(hint: Any) -> Callable[[Any], bool]:
    """Whether a value is of the type `hint` names, its elements unchecked."""
    if hint is Any or hint is object:
        return lambda value: True
    if hint is None or hint is type(None):
        return lambda value: value is None
    origin = typing.get_origin(hint)
    if origin in _UNIONS:
        arms = [_acceptor(arm) for arm in typing.get_args(hint)]
        return lambda value: any(accepts(value) for accepts in arms)
    if hint is int:
        return lambda value: isinstance(value, int) and not isinstance(value, bool)
    if hint is date:
        return lambda value: isinstance(value, date) and not isinstance(value, datetime)
    if origin is collections.abc.Callable:
        return callable
    if origin is not None:
        return lambda value: isinstance(value, origin) and not isinstance(value, str | bytes)
    return lambda value: isinstance(value, hint)


def _collection_arms(hint: Any) -> list[tuple[type, tuple[Check, ...]]]:
    """(collection type, checks of its elements, or of its keys and values) of each arm
    of `hint` that says what it holds; an Iterable is left alone, iterating uses it up."""
    found = []
    for arm in typing.get_args(hint) if typing.get_origin(hint) in _UNIONS else (hint,):
        origin = typing.get_origin(arm)
        if origin is None or origin is collections.abc.Callable:
            continue
        if origin in (collections.abc.Iterable, collections.abc.Iterator):
            continue
        elements = tuple(_compile(e) for e in typing.get_args(arm) if e is not Ellipsis)
        wanted = 2 if issubclass(origin, collections.abc.Mapping) else 1
        if len(elements) == wanted:
            found.append((origin, elements))
    return found


#: The fields of each class met so far and their checks; None for a class that is no draft.
_DRAFT_FIELDS: dict[type, list[tuple[str, Check]] | None] = {}


def _draft_fields(kind: type) -> list[tuple[str, Check]] | None:
    if kind not in _DRAFT_FIELDS:
        fields = None
        if attrs.has(kind) and kind.__name__.endswith("Draft"):
            hints = typing.get_type_hints(kind)
            fields = [(field.name, _compile(hints[field.name])) for field in attrs.fields(kind)]
        _DRAFT_FIELDS[kind] = fields
    return _DRAFT_FIELDS[kind]


def _shown(hint: Any) -> str:
    """`hint` as it is written in the signature."""
    if hint is None or hint is type(None):
        return "None"
    origin = typing.get_origin(hint)
    if origin in _UNIONS:
        return " | ".join(_shown(arm) for arm in typing.get_args(hint))
    if origin is None:
        return str(getattr(hint, "__name__", hint))
    if origin is collections.abc.Callable:
        return "a callable"
    arguments = typing.get_args(hint)
    shown = ", ".join("..." if a is Ellipsis else _shown(a) for a in arguments)
    return f"{origin.__name__}[{shown}]" if arguments else origin.__name__
