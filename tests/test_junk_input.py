"""Junk given to any public desk method is refused with a typed error and changes nothing.

Hypothesis calls every public method of an administrator's back office and of a
client's cabinet with at least one argument of the wrong type, or text no database
stores, or a draft with such a field, or a page whose cursor was never handed out
(cut short, not digits, another list's, ISO forms PostgreSQL reads differently, huge).
Whatever comes out must be a CustodyError with a machine code whose message names no
file, host or database, and a refused call must leave storage as it was. Run on
memory and SQLite here and on PostgreSQL by test_postgres.py.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import UTC, date
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custody_core import LineDraft, OrderDraft, ReceiptDraft
from custody_core.domain.audit import Outcome
from custody_core.domain.cards import CardDraft
from custody_core.domain.codes import CODES
from custody_core.domain.errors import CustodyError, ValidationError
from custody_core.domain.messages import LOCALES
from custody_core.domain.paging import CURSOR_LENGTH, MAX_LIMIT, PageRequest
from custody_core.domain.users import UserDraft
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice, Cabinet
from custody_core.services.registry import ImportOptions
from test_bad_input import snapshot
from test_hidden_objects import ORDER, RECEIPT, SHIPMENT, Account

#: Cursors no list of each kind hands out: cut short, of another list, with parts
#: PostgreSQL would read (or refuse) other than Python does, text no database stores.
NIL = "00000000-0000-0000-0000-000000000000"
COMMON = ["", "|", "²", "1|2", "a\x00", "\ud800", "x" * CURSOR_LENGTH]
FORGED_CURSORS: dict[str, list[str]] = {
    # orders, shipments, reversals, the audit log: a whole number
    "number": [*COMMON, "١٢", "9" * 30, "-1", " 1", "+1", "1.0", "2026-11-19"],
    # receipts: document date | posting instant | id
    "dated": [
        *COMMON,
        "2026-11-19",
        "2026-11-19|2026-11-19T09:00:00Z",
        f"2026-11-19|2026-11-19T09:00:00|{NIL}",  # no time zone
        f"2026-11-19|2026-11-19T09:00:00+00:00|urn:uuid:{NIL}x",
        f"2026-11-31|2026-11-19T09:00:00Z|{NIL}",
        f"9999-12-31|9999-12-31T23:59:59-23:59|{NIL}",  # past year 9999 in UTC
        f"0001-01-01|0001-01-01T00:00:00+23:59|{NIL}",  # before year 1 in UTC
        f"2026-11-19|2026-11-19T09:00:00Z|{NIL}|1",
    ],
    # movements: business date | append sequence
    "sequenced": [*COMMON, "2026-11-19", "2026-11-19|", "2026-11-19|²", "2026-11-19|-1", "x|1"],
    # users: the login after which the page starts, any text a database stores
    "text": ["a\x00", "\ud800"],
}
BAD_CURSORS = st.one_of(
    st.text(max_size=CURSOR_LENGTH),
    st.sampled_from(sorted({c for cs in FORGED_CURSORS.values() for c in cs})),
)
#: Values of every type an argument could wrongly have, text no database stores among them.
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.decimals(),
    st.binary(max_size=8),
    st.text(max_size=8),
    st.sampled_from(["", " ", "\x00", "A\x00", "\ud800", "x" * 300, "²", "Ⅻ"]),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.just(UTC)),
    st.uuids(),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=4)), max_size=3),
    st.dictionaries(st.text(max_size=4), st.one_of(st.none(), st.integers()), max_size=2),
    st.builds(object),
    st.builds(PageRequest, st.integers(1, MAX_LIMIT), BAD_CURSORS),
)
#: A plausible value for each parameter by name, so that the junk is what gets refused.
PLAUSIBLE: dict[str, object] = {
    "counterparty": "A",
    "warehouse": "W1",
    "code": "NEW",
    "name": "New",
    "sku": "TEA",
    "order": ORDER,
    "shipment": SHIPMENT,
    "shipments": [SHIPMENT],
    "year": 2026,
    "reason": "rescheduled",
    "login": "admin",
    "password": "Pass-2026-x",
    "confirmation": "Pass-2026-x",
    "media_type": "text/plain",
    "content": b"x",
    "format_name": "html",
    "template": "courier-sku",
    "lines": [LineDraft("TEA", 1)],
    "roles": ["manager"],
    "rates": [],
}
OPTIONS = sorted(ImportOptions.__annotations__)
DRAFTS: dict[type, object] = {
    OrderDraft: OrderDraft("W1", [LineDraft("TEA", 1)], "A"),
    ReceiptDraft: ReceiptDraft("R-9", date(2026, 11, 19), "A", "W1", [LineDraft("TEA", 1)]),
    UserDraft: UserDraft("someone", "Pass-2026-x", "Pass-2026-x", "Some", "One"),
    CardDraft: CardDraft("A", "someone"),
}


def plausible(parameter: inspect.Parameter, method: str) -> object:
    if parameter.name == "number":
        return RECEIPT if method in {"mx1", "receipt", "reverse_receipt"} else ORDER
    if parameter.name == "draft":
        annotation = str(parameter.annotation)
        return next(draft for kind, draft in DRAFTS.items() if kind.__name__ == annotation)
    if parameter.name in PLAUSIBLE:
        return PLAUSIBLE[parameter.name]
    return parameter.default


def junk_draft(draft: Any, data: st.DataObject) -> Any:
    """`draft` with one field, or one field of one of its lines, replaced by junk."""
    fields = [field.name for field in attrs.fields(type(draft))]
    name = data.draw(st.sampled_from(fields), label="draft field")
    value = data.draw(JUNK, label=name)
    if name == "lines" and data.draw(st.booleans(), label="junk inside a line"):
        line = data.draw(st.sampled_from(["sku", "quantity"]), label="line field")
        value = [attrs.evolve(draft.lines[0], **{line: data.draw(JUNK, label=line)})]
    try:
        return attrs.evolve(draft, **{name: value})
    except TypeError:  # a converter of the draft refuses it before any desk sees it
        return attrs.evolve(draft, **{name: [value]})


def junk_call(
    desk: BackOffice | Cabinet, data: st.DataObject
) -> tuple[str, list[Any], dict[str, Any]]:
    names = sorted(n for n in dir(type(desk)) if not n.startswith("_") and n != "principal")
    method = data.draw(st.sampled_from(names), label="method")
    parameters = list(inspect.signature(getattr(desk, method)).parameters.values())
    if not parameters:
        return method, [], {}
    spoiled = data.draw(st.sampled_from([p.name for p in parameters]), label="junk parameter")
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for parameter in parameters:
        if parameter.kind is parameter.VAR_KEYWORD:
            if parameter.name == spoiled:  # an option of the wrong type, or no option at all
                option = data.draw(st.sampled_from([*OPTIONS, "dryrun"]), label="option")
                kwargs[option] = data.draw(JUNK, label=option)
            continue
        value = plausible(parameter, method)
        if parameter.name == spoiled:
            drafted = type(value) in DRAFTS
            value = junk_draft(value, data) if drafted else data.draw(JUNK, label=spoiled)
        elif data.draw(st.booleans(), label=f"also spoil {parameter.name}"):
            value = data.draw(JUNK, label=parameter.name)
        if value is inspect.Parameter.empty:
            value = None
        if parameter.kind is parameter.KEYWORD_ONLY:
            kwargs[parameter.name] = value
        else:
            args.append(value)
    return method, args, kwargs


def stored(app: Application, account: Account) -> dict[str, Any]:
    """Everything of the account that a call could change, its audit log's writes included."""
    admin = account.admin
    account_id = admin.principal.account_id
    log = admin.audit_log(page=PageRequest(MAX_LIMIT)).items
    return {
        **snapshot(app, account_id),
        "users": admin.users(page=PageRequest(MAX_LIMIT)).items,
        "settings": admin.settings(),
        "templates": admin.templates(),
        "done": [entry for entry in log if entry.outcome is Outcome.DONE],
    }


@pytest.fixture
def account(app: Application, tmp_path: Path) -> Account:
    PLAUSIBLE["path"] = tmp_path / "missing.xlsx"
    return Account(app, "junk", True)


@pytest.mark.parametrize("who", ["administrator", "client"])
@settings(
    # Many more than the profile's default: one example tries one of some sixty methods.
    max_examples=max(400, settings.default.max_examples),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_junk_arguments_are_typed_errors_and_change_nothing(
    app: Application, account: Account, who: str, data: st.DataObject
) -> None:
    desk = account.admin if who == "administrator" else account.cabinet
    method, args, kwargs = junk_call(desk, data)
    before = stored(app, account)
    try:
        getattr(desk, method)(*args, **kwargs)
    except CustodyError as error:
        refused: CustodyError | None = error
    else:
        refused = None  # junk that happened to be right, such as None for an option
    if refused is not None:
        assert_typed(refused)
        assert stored(app, account) == before


def assert_typed(error: CustodyError) -> None:
    """A machine code with a message in every language, naming no file, host or database."""
    assert error.code in CODES
    if isinstance(error, ValidationError):
        assert all(problem.code in CODES for problem in error.problems)
    for locale in LOCALES:
        message = error.message(locale)
        for secret in ("custody_test", "127.0.0.1", "/tmp", ".sqlite"):
            assert secret not in message


LISTS: dict[str, tuple[str, Callable[[BackOffice, PageRequest], object]]] = {
    "orders": ("number", lambda office, page: office.orders(page=page)),
    "shipments": ("number", lambda office, page: office.shipments(page=page)),
    "reversals": ("number", lambda office, page: office.reversals(page=page)),
    "audit_log": ("number", lambda office, page: office.audit_log(page=page)),
    "receipts": ("dated", lambda office, page: office.receipts(page=page)),
    "movements": ("sequenced", lambda office, page: office.movements("A", page=page)),
    "users": ("text", lambda office, page: office.users(page=page)),
}


@pytest.mark.parametrize("name", LISTS)
def test_a_cursor_no_list_handed_out_is_refused_on_field_after(account: Account, name: str) -> None:
    kind, listed = LISTS[name]
    for cursor in FORGED_CURSORS[kind]:
        with pytest.raises(ValidationError) as raised:
            listed(account.admin, PageRequest(after=cursor))
        problems = [(p.code, p.field) for p in raised.value.problems]
        assert problems == [("value.invalid", "after")], cursor


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda app: app.back_office("admin"), "principal"),
        (lambda app: app.cabinet(None), "principal"),
        (lambda app: app.account(None), "account"),
        (lambda app: app.account(b"junk"), "account"),
        (lambda app: app.account("ju\x00nk"), "account"),
        (lambda app: app.create_account("ju\x00nk", "Junk"), "code"),
        (lambda app: app.create_account("junk", "J\ud800"), "name"),
        (lambda app: app.log_in([1], "login", "password-1"), "account"),  # type: ignore[arg-type]
        (lambda app: app.log_in("ac\ud800", "login", "password-1"), "account"),
        (lambda app: app.log_in("a\nb", "login", "password-1"), "account"),
        (lambda app: app.log_in("acme", 5, "password-1"), "login"),  # type: ignore[arg-type]
        (lambda app: app.log_in("a" * 100_000, "login", "password-1"), "account"),
    ],
)
def test_the_applications_own_arguments_are_checked_too(
    app: Application, call: Callable[[Application], object], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        call(app)
    assert [p.field for p in raised.value.problems] == [field]
