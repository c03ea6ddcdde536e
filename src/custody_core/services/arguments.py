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
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from pathlib import PurePath
from typing import Any, TypeVar

import attrs

from custody_core.domain.checks import storable
from custody_core.domain.errors import Problem, ValidationError

T = TypeVar("T")


def checking_arguments(method: Callable[..., T]) -> Callable[..., T]:
    """`method`, refusing arguments its annotations do not allow before it runs."""
    signature = inspect.signature(method)
    hints = typing.get_type_hints(method)

    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> T:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            return method(*args, **kwargs)  # Python's own error for a wrong call
        problems = list(_argument_faults(signature, hints, bound.arguments))
        if problems:
            raise ValidationError(problems)
        return method(*args, **kwargs)

    return run


def _argument_faults(
    signature: inspect.Signature, hints: Mapping[str, Any], arguments: Mapping[str, Any]
) -> Iterator[Problem]:
    for name, value in arguments.items():
        parameter = signature.parameters[name]
        if name == "self" or name not in hints:
            continue
        hint = hints[name]
        if parameter.kind is parameter.VAR_KEYWORD:
            yield from _option_faults(hint, value)
        elif _is_draft(value) and _accepts(hint, value):
            yield from _field_faults(value, "")
        else:
            yield from _faults(hint, value, name)


def _option_faults(hint: Any, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Keyword options typed as `**options: Unpack[SomeTypedDict]`."""
    (typed_dict,) = typing.get_args(hint)
    known = typing.get_type_hints(typed_dict)
    for name, value in options.items():
        if name not in known:
            yield Problem("value.unknown_option", name, expected=", ".join(sorted(known)))
        else:
            yield from _faults(known[name], value, name)


def _faults(hint: Any, value: Any, field: str) -> Iterator[Problem]:
    """What is wrong with `value` for `hint`: one problem for a value of another type,
    the first wrong element's for a collection, every wrong field's for a draft."""
    if not _accepts(hint, value):
        yield Problem("value.wrong_type", field, type(value).__name__, _shown(hint))
    elif isinstance(value, str | PurePath) and not storable(str(value)):
        yield Problem("text.not_storable", field)
    elif _is_draft(value):
        yield from _field_faults(value, f"{field}.")
    elif isinstance(value, Mapping) and (element_hints := _element_hints(hint, value, 2)):
        key_hint, value_hint = element_hints
        for key, item in value.items():
            wrong = [*_faults(key_hint, key, field), *_faults(value_hint, item, f"{field}[{key}]")]
            if wrong:
                yield from wrong
                return
    elif _is_collection(value) and (element_hint := _element_hints(hint, value, 1)):
        for number, element in enumerate(value, 1):
            wrong = list(_faults(element_hint[0], element, f"{field}[{number}]"))
            if wrong:
                yield from wrong
                return


def _field_faults(draft: Any, prefix: str) -> Iterator[Problem]:
    for name, hint in _field_hints(type(draft)).items():
        yield from _faults(hint, getattr(draft, name), f"{prefix}{name}")


def _accepts(hint: Any, value: Any) -> bool:
    """Whether `value` is of the type `hint` names, its elements unchecked."""
    if hint is Any or hint is object:
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(arm, value) for arm in typing.get_args(hint))
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    if origin is collections.abc.Callable:
        return callable(value)
    if origin is not None:
        return isinstance(value, origin) and not isinstance(value, str | bytes)
    return isinstance(value, hint)


def _element_hints(hint: Any, value: Any, count: int) -> tuple[Any, ...]:
    """The element hints of the arm of `hint` that `value` is of ((key, value) of a
    mapping); () when that arm says nothing of its elements."""
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    for arm in typing.get_args(hint) if union else (hint,):
        origin = typing.get_origin(arm)
        if origin is None or origin is collections.abc.Callable or not isinstance(value, origin):
            continue
        if origin in (collections.abc.Iterable, collections.abc.Iterator):
            return ()  # iterating would use it up
        found = tuple(element for element in typing.get_args(arm) if element is not Ellipsis)
        return found if len(found) == count else ()
    return ()


def _is_collection(value: Any) -> bool:
    return isinstance(value, collections.abc.Collection) and not isinstance(value, str | bytes)


def _is_draft(value: Any) -> bool:
    return attrs.has(type(value)) and type(value).__name__.endswith("Draft")


#: The field hints of each draft class met so far.
_FIELD_HINTS: dict[type, Mapping[str, Any]] = {}


def _field_hints(cls: type) -> Mapping[str, Any]:
    if cls not in _FIELD_HINTS:
        hints = typing.get_type_hints(cls)
        _FIELD_HINTS[cls] = {field.name: hints[field.name] for field in attrs.fields(cls)}
    return _FIELD_HINTS[cls]


def _shown(hint: Any) -> str:
    """`hint` as it is written in the signature."""
    if hint is None or hint is type(None):
        return "None"
    if hint is Ellipsis:
        return "..."
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_shown(arm) for arm in typing.get_args(hint))
    if origin is None:
        return str(getattr(hint, "__name__", hint))
    arguments = typing.get_args(hint)
    if origin is collections.abc.Callable:
        return "a callable"
    shown = ", ".join(_shown(argument) for argument in arguments)
    return f"{origin.__name__}[{shown}]" if arguments else origin.__name__
