"""Cabinet access step by step, as the seed describes it, on every built-in backend.

"Пользователи" and "Подключения клиентов": an administrator fills in a user
card, grants only the client cabinet role and creates the connection card;
the client logs in and works with its own data only. Then what is refused:
bad user cards and connection cards, role mixes, disabled and unconnected
users, guessed passwords and unknown logins; every refusal names its field
and changes no user data, while failed logins are counted and logged.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from attrs import evolve

from custody_core import (
    LineDraft,
    OrderDraft,
    OrderState,
    Principal,
    ReceiptDraft,
    Role,
)
from custody_core.domain.audit import AuditEntry, Outcome
from custody_core.domain.cards import CardDraft
from custody_core.domain.errors import (
    AuthenticationFailed,
    CustodyError,
    InvalidCredentials,
    LoginLocked,
    NotConnected,
    NotFound,
    PermissionDenied,
    UserDisabled,
    ValidationError,
)
from custody_core.domain.messages import LOCALES, expect
from custody_core.domain.passwords import PasswordPolicy
from custody_core.domain.settings import LockoutPolicy
from custody_core.domain.units import KILOGRAM
from custody_core.domain.users import User, UserDraft
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice, Cabinet
from custody_core.testing.clock import ManualClock
from custody_core.testing.isolation_machine import everything

PASSWORD = "Romashka-2026"
WRONG = "Romashka-2027"
#: The counterparty's phone, which a connection card takes as its login by default.
ROMASHKA_PHONE = "+7 (343) 222-33-44"
ROMASHKA_E164 = "+73432223344"
#: The user's own phone, as the seed's user card has it.
IVANOV_PHONE = "8 (912) 345-67-89"


class World:
    """One account: an administrator, a manager who logged in, two counterparties with
    contracts, items and stock, and a third one without a phone."""

    def __init__(self, app: Application, clock: ManualClock) -> None:
        self.app = app
        self.clock = clock
        self.account = app.create_account("acme", "ACME")
        # The first administrator is the operator's: nobody exists yet to log in as.
        self.admin = app.back_office(Principal.administrator(self.account.id, "admin"))
        self.admin.add_user(UserDraft("manager", PASSWORD, PASSWORD, "Петров", "Пётр"))
        self.admin.grant_roles("manager", [Role.MANAGER])
        self.manager = app.back_office(app.log_in("acme", "manager", PASSWORD))
        manager = self.manager
        manager.add_warehouse("W1", "Main")
        self.romashka = manager.add_counterparty("ROMASHKA", "Ромашка", phone=ROMASHKA_PHONE)
        self.vasilek = manager.add_counterparty("VASILEK", "Василёк", phone="+7 913 111-22-33")
        self.landysh = manager.add_counterparty("LANDYSH", "Ландыш")
        self.main_contract = manager.add_contract("ROMASHKA", "ROMASHKA-1")
        self.other_contract = manager.add_contract("ROMASHKA", "ROMASHKA-2")
        manager.add_contract("VASILEK", "VASILEK-1")
        manager.add_contract("LANDYSH", "LANDYSH-1")
        manager.add_item("ROMASHKA", "TEA", "Чай")
        manager.add_item("ROMASHKA", "SUGAR", "Сахар", unit=KILOGRAM)
        manager.add_item("VASILEK", "BOOK", "Книга")
        manager.post_receipt(
            ReceiptDraft(
                "R-1",
                date(2026, 11, 19),
                "ROMASHKA",
                "W1",
                [LineDraft("TEA", 10), LineDraft("SUGAR", "5.5")],
            )
        )
        manager.post_receipt(
            ReceiptDraft("R-2", date(2026, 11, 19), "VASILEK", "W1", [LineDraft("BOOK", 3)])
        )

    def users(self) -> list[User]:
        return everything(lambda page: self.admin.users(page=page))

    def denied(self, actor: str) -> list[AuditEntry]:
        return everything(
            lambda page: self.admin.audit_log(outcome="denied", actor=actor, page=page)
        )

    def done(self) -> list[AuditEntry]:
        return everything(lambda page: self.admin.audit_log(outcome=Outcome.DONE, page=page))

    def connect(
        self, login: str, counterparty: str, phone: str | None = None, **card: Any
    ) -> Principal:
        """The seed's steps: user card, the client cabinet role alone, connection card, login."""
        self.admin.add_user(
            UserDraft(login, PASSWORD, PASSWORD, login.title(), "Клиент", phone=phone)
        )
        self.admin.grant_roles(login, [Role.CLIENT])
        self.admin.create_card(CardDraft(counterparty, login, **card))
        return self.app.log_in("acme", login, PASSWORD)

    def lock_after(self, failures: int, minutes: int) -> None:
        settings = self.admin.settings()
        self.admin.update_settings(
            evolve(settings, lockout=LockoutPolicy(max_failures=failures, lock_minutes=minutes))
        )


@pytest.fixture
def world(app: Application, clock: ManualClock) -> World:
    return World(app, clock)


@pytest.fixture
def ivanov(world: World) -> Principal:
    """The seed's client, connected to ROMASHKA with the defaults."""
    return world.connect("ivanov", "ROMASHKA", IVANOV_PHONE)


def refusal(call: Callable[[], object]) -> CustodyError:
    with pytest.raises(CustodyError) as caught:
        call()
    return caught.value


def problems(error: ValidationError) -> list[tuple[str, str]]:
    return [(problem.code, problem.field) for problem in error.problems]


# -- the seed, step by step -------------------------------------------------------------


def test_an_administrator_connects_a_client_as_the_seed_describes(world: World) -> None:
    admin = world.admin
    admin.update_settings(evolve(admin.settings(), cabinet_url="https://cabinet.acme.example"))

    user = admin.add_user(
        UserDraft(
            login="Ivanov",
            password=PASSWORD,
            password_confirmation=PASSWORD,
            last_name="Иванов",
            first_name="Иван",
            middle_name="Иванович",
            phone=IVANOV_PHONE,
            email="ivanov@Romashka.Example",
        )
    )
    assert user.login == "ivanov"
    assert user.phone == "+79123456789"
    assert user.email == "ivanov@romashka.example"
    assert user.full_name == "Иванов Иван Иванович"
    assert user.roles == frozenset()
    assert not user.disabled
    assert user.password_hash is not None
    assert PASSWORD not in user.password_hash
    assert PASSWORD not in repr(user)

    granted = admin.grant_roles("ivanov", [Role.CLIENT])
    assert granted.roles == {Role.CLIENT}
    assert granted.version == user.version + 1
    assert admin.user("IVANOV") == granted

    card = admin.create_card(CardDraft("ROMASHKA", "ivanov"))
    assert card.counterparty_id == world.romashka.id
    assert card.user_id == user.id
    # Blanks take the seed's defaults: the main contract (not the one added last), the
    # counterparty's phone (not the user's) in E.164, the account's cabinet address.
    assert card.contract_id == world.main_contract.id != world.other_contract.id
    assert card.login == ROMASHKA_E164
    assert card.url == "https://cabinet.acme.example"
    assert admin.cards("ROMASHKA") == [card]
    assert admin.cards("VASILEK") == []

    expected = Principal.client(world.account.id, "ivanov", world.romashka.id)
    for login in ("ivanov", " IVANOV ", ROMASHKA_E164, "8 (343) 222-33-44", "83432223344"):
        assert world.app.log_in("acme", login, PASSWORD) == expected, login
    logins = [entry for entry in world.done() if entry.action == "login"]
    assert [entry.target for entry in logins[-5:]] == ["ivanov"] * 5


def test_a_card_may_name_another_contract_address_and_login(world: World) -> None:
    world.connect("ivanov", "ROMASHKA")
    world.admin.add_user(UserDraft("petrova", PASSWORD, PASSWORD, "Петрова", "Анна"))
    world.admin.grant_roles("petrova", ["client_cabinet"])
    card = world.admin.create_card(
        CardDraft(
            "ROMASHKA",
            "petrova",
            contract="ROMASHKA-2",
            url="https://romashka.example/cabinet",
            login="Romashka-Office",
        )
    )
    assert card.contract_id == world.other_contract.id
    assert card.url == "https://romashka.example/cabinet"
    assert card.login == "romashka-office"
    principal = world.app.log_in("acme", "ROMASHKA-OFFICE", PASSWORD)
    assert principal == Principal.client(world.account.id, "petrova", world.romashka.id)
    assert len(world.admin.cards("ROMASHKA")) == 2


def test_without_a_configured_address_a_card_has_none(world: World) -> None:
    assert world.admin.settings().cabinet_url is None
    world.connect("sidorov", "VASILEK")
    (card,) = world.admin.cards("VASILEK")
    assert card.url is None
    assert card.login == "+79131112233"


def test_a_client_sees_only_its_own_orders_and_stock(world: World, ivanov: Principal) -> None:
    manager = world.manager
    sidorov = world.connect("sidorov", "VASILEK")
    theirs = manager.create_order(OrderDraft("W1", [LineDraft("BOOK", 1)], counterparty="VASILEK"))
    ours = manager.create_order(OrderDraft("W1", [LineDraft("TEA", 2)], counterparty="ROMASHKA"))
    manager.confirm_order(theirs.number)
    manager.confirm_order(ours.number)

    cabinet = world.app.cabinet(ivanov)
    created = cabinet.create_order(
        OrderDraft("W1", [LineDraft("TEA", 3), LineDraft("SUGAR", "1.5")], recipient="Кафе")
    )
    assert created.counterparty_id == world.romashka.id
    assert created.state is OrderState.DRAFT
    assert cabinet.confirm_order(created.number).state is OrderState.CONFIRMED

    assert {order.number for order in cabinet.orders()} == {ours.number, created.number}
    assert cabinet.order(ours.number).number == ours.number
    with pytest.raises(NotFound) as hidden:
        cabinet.order(theirs.number)
    with pytest.raises(NotFound) as missing:
        cabinet.order(theirs.number + 100)
    assert (hidden.value.code, hidden.value.details) == (
        missing.value.code,
        {**missing.value.details, "key": theirs.number},
    )

    report = cabinet.stock_report()
    assert report.counterparty.id == world.romashka.id
    lines = {line.item.sku: line for line in report.lines}
    assert set(lines) == {"TEA", "SUGAR"}
    assert (lines["TEA"].on_hand, lines["TEA"].reserved) == (Decimal(10), Decimal(5))
    assert (lines["SUGAR"].on_hand, lines["SUGAR"].reserved) == (Decimal("5.5"), Decimal("1.5"))
    picks = {pick.item.sku: pick.free for pick in cabinet.pick_list("W1")}
    assert picks == {"TEA": 5, "SUGAR": 4}
    assert [item.sku for item in cabinet.items()] == ["SUGAR", "TEA"]
    assert [counterparty.code for counterparty in cabinet.counterparties()] == ["ROMASHKA"]
    assert {m.key.counterparty_id for m in cabinet.movements()} == {world.romashka.id}

    other = world.app.cabinet(sidorov)
    assert [order.number for order in other.orders()] == [theirs.number]
    assert [line.item.sku for line in other.stock_report().lines] == ["BOOK"]


def test_a_client_orders_only_its_own_goods_and_learns_nothing_of_others(
    world: World, ivanov: Principal
) -> None:
    cabinet = world.app.cabinet(ivanov)
    foreign_sku = refusal(lambda: cabinet.create_order(OrderDraft("W1", [LineDraft("BOOK", 1)])))
    assert isinstance(foreign_sku, ValidationError)
    # "unknown", never "belongs to another counterparty"
    assert problems(foreign_sku) == [("reference.unknown", "lines[1].sku")]

    def order_for(code: str) -> ValidationError:
        error = refusal(
            lambda: cabinet.create_order(OrderDraft("W1", [LineDraft("TEA", 1)], counterparty=code))
        )
        assert isinstance(error, ValidationError)
        return error

    theirs, nobodys = order_for("VASILEK"), order_for("NOBODY")
    assert problems(theirs) == problems(nobodys) == [("reference.unknown", "counterparty")]
    assert theirs.problems[0].value == "VASILEK"
    assert theirs.message("en") == nobodys.message("en").replace("NOBODY", "VASILEK")
    assert list(cabinet.orders()) == []
    assert list(world.manager.orders()) == []


def test_receipts_and_shipments_are_read_only_for_a_client(world: World, ivanov: Principal) -> None:
    manager = world.manager
    order = manager.create_order(OrderDraft("W1", [LineDraft("TEA", 2)], counterparty="ROMASHKA"))
    manager.confirm_order(order.number)
    _, shipment = manager.deliver_order(order.number)
    held = manager.create_order(OrderDraft("W1", [LineDraft("TEA", 1)], counterparty="ROMASHKA"))
    held = manager.confirm_order(held.number)

    cabinet = world.app.cabinet(ivanov)
    assert [receipt.number for receipt in cabinet.receipts()] == ["R-1"]
    assert cabinet.receipt("R-1", 2026).counterparty_id == world.romashka.id
    assert cabinet.shipments().items == (shipment,)
    assert cabinet.shipment(shipment.number) == shipment
    for name in (
        "post_receipt",
        "reverse_receipt",
        "reverse_shipment",
        "deliver_order",
        "fail_order",
        "add_item",
        "attach_file",
    ):
        assert not hasattr(cabinet, name), name

    office = world.app.back_office(ivanov)
    before = (
        manager.receipts().items,
        manager.shipments().items,
        manager.reversals().items,
        manager.order(held.number),
        manager.stock_report("ROMASHKA").lines,
    )
    attempts: dict[str, Callable[[], object]] = {
        "post_receipt": lambda: office.post_receipt(
            ReceiptDraft("R-3", date(2026, 11, 20), "ROMASHKA", "W1", [LineDraft("TEA", 100)])
        ),
        "reverse_receipt": lambda: office.reverse_receipt("ROMASHKA", "R-1", 2026, "mistake"),
        "reverse_shipment": lambda: office.reverse_shipment(shipment.number, "mistake"),
        "deliver_order": lambda: office.deliver_order(held.number),
        "fail_order": lambda: office.fail_order(held.number, "recipient_absent"),
    }
    for name, attempt in attempts.items():
        error = refusal(attempt)
        assert isinstance(error, PermissionDenied), name
        assert error.code == "permission_denied"
        assert error.details["actor"] == "ivanov"
    after = (
        manager.receipts().items,
        manager.shipments().items,
        manager.reversals().items,
        manager.order(held.number),
        manager.stock_report("ROMASHKA").lines,
    )
    assert after == before
    logged = world.denied("ivanov")
    assert [(e.action, e.detail) for e in logged] == [
        (name, "permission_denied") for name in attempts
    ]


def test_a_client_sees_attachments_only_when_the_account_allows_it(
    world: World, ivanov: Principal
) -> None:
    manager = world.manager
    order = manager.create_order(OrderDraft("W1", [LineDraft("TEA", 1)], counterparty="ROMASHKA"))
    content = b"\xff\xd8\xff\xe0 photo of the pallet \x00\x01"
    attachment = manager.attach_file(order.number, "pallet.jpg", "image/jpeg", content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.size == len(content)
    assert manager.attachments(order.number) == [attachment]

    client = world.app.cabinet(ivanov)
    stranger = world.app.cabinet(world.connect("sidorov", "VASILEK"))

    def stranger_is_told_nothing() -> None:
        with pytest.raises(NotFound) as listed:
            stranger.attachments(order.number)
        with pytest.raises(NotFound) as missing_order:
            stranger.attachments(order.number + 100)
        assert listed.value.details == {**missing_order.value.details, "key": order.number}
        with pytest.raises(NotFound) as read:
            stranger.attachment_content(attachment.id)
        unknown = uuid4()
        with pytest.raises(NotFound) as missing_file:
            stranger.attachment_content(unknown)
        assert read.value.details == {**missing_file.value.details, "key": str(attachment.id)}

    # Off by default: the owner is refused (it may know the order exists), a stranger
    # is told nothing.
    assert world.admin.settings().clients_see_attachments is False
    for attempt in (
        lambda: client.attachments(order.number),
        lambda: client.attachment_content(attachment.id),
    ):
        error = refusal(attempt)
        assert isinstance(error, PermissionDenied)
        assert error.code == "permission_denied"
    stranger_is_told_nothing()

    world.admin.update_settings(evolve(world.admin.settings(), clients_see_attachments=True))
    assert client.attachments(order.number) == [attachment]
    assert client.attachment_content(attachment.id) == content
    stranger_is_told_nothing()

    world.admin.update_settings(evolve(world.admin.settings(), clients_see_attachments=False))
    assert isinstance(refusal(lambda: client.attachments(order.number)), PermissionDenied)

    snooping = [e for e in world.denied("sidorov") if e.counterparty_id == world.romashka.id]
    assert [e.action for e in snooping] == ["attachments", "attachment_content"] * 2


# -- what is refused ------------------------------------------------------------------------

GOOD = UserDraft(
    "petrova",
    "Vasilek-2026",
    "Vasilek-2026",
    last_name="Петрова",
    first_name="Анна",
    middle_name="Сергеевна",
    phone="+7 913 555-66-77",
    email="petrova@example.com",
)


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        pytest.param({"login": "IVANOV "}, "reference.duplicate", "login", id="duplicate login"),
        pytest.param({"login": ROMASHKA_E164}, "reference.duplicate", "login", id="card login"),
        pytest.param({"login": "   "}, "text.blank", "login", id="blank login"),
        pytest.param({"phone": "12345"}, "phone.invalid", "phone", id="bad phone"),
        pytest.param({"email": "petrova@"}, "email.invalid", "email", id="bad e-mail"),
        pytest.param({"email": "petrova.example.com"}, "email.invalid", "email", id="no at"),
        pytest.param(
            {"password_confirmation": "Vasilek-2027"},
            "password.mismatch",
            "password_confirmation",
            id="confirmation mismatch",
        ),
        pytest.param({"last_name": ""}, "text.blank", "last_name", id="no last name"),
    ],
)
def test_a_bad_user_card_is_refused_naming_the_field_and_changes_nothing(
    world: World, ivanov: Principal, changes: dict[str, str], code: str, field: str
) -> None:
    users, done = world.users(), world.done()
    error = refusal(lambda: world.admin.add_user(evolve(GOOD, **changes)))
    assert isinstance(error, ValidationError)
    assert error.code == "validation"
    assert problems(error) == [(code, field)]
    assert world.users() == users
    assert world.done() == done
    assert world.admin.user("ivanov") in users


@pytest.mark.parametrize(
    ("email", "cause", "russian"),
    [
        ("petrova.example.com", "email.no_at", "нет знака @"),
        ("@example.com", "email.nothing_before_at", "перед знаком @ ничего нет"),
        ("petrova@", "email.nothing_after_at", "после знака @ ничего нет"),
        ("petrova@example", "email.domain_no_dot", "в части после @ нет точки"),
        (
            "petrova..nina@example.com",
            "email.dots",
            "точка стоит в начале, в конце или две точки подряд",
        ),
        ("pet rova@example.com", "email.bad_characters", "в адресе есть недопустимые символы"),
        ("petrova@" + "a" * 64 + ".com", "email.too_long", "адрес слишком длинный"),
    ],
)
def test_a_bad_email_is_worded_by_the_library_not_by_email_validator(
    world: World, email: str, cause: str, russian: str
) -> None:
    error = refusal(lambda: world.admin.add_user(evolve(GOOD, email=email)))
    assert isinstance(error, ValidationError)
    [problem] = error.problems
    assert (problem.code, problem.field, problem.cause) == ("email.invalid", "email", cause)
    assert problem.detail  # email-validator's own words, kept for the logs
    assert problem.detail not in error.message("ru")
    assert error.message("ru").endswith(f"не адрес электронной почты: {russian}")


@pytest.mark.parametrize(
    ("password", "code"),
    [
        pytest.param("Vas-2026", "password.too_short", id="too short"),
        pytest.param("Vasilek-Vasilek", "password.needs_digit", id="no digit"),
        pytest.param("2026-2026-2026", "password.needs_letter", id="no letter"),
        pytest.param("My-PETROVA-2026", "password.contains_login", id="contains the login"),
        pytest.param("Qwerty12345", "password.common", id="common"),
        pytest.param("1q2w3e4r5t", "password.common", id="common keyboard walk"),
        pytest.param("gfhjkm-2026!", "password.common", id="common in the other layout"),
        pytest.param("Пароль-2026", "password.common", id="common in Russian"),
    ],
)
def test_a_password_against_the_policy_is_refused(world: World, password: str, code: str) -> None:
    users = world.users()
    error = refusal(
        lambda: world.admin.add_user(
            evolve(GOOD, password=password, password_confirmation=password)
        )
    )
    assert isinstance(error, ValidationError)
    assert problems(error) == [(code, "password")]
    assert world.users() == users
    with pytest.raises(NotFound):
        world.admin.user("petrova")


def test_the_password_policy_is_the_accounts(world: World) -> None:
    settings = world.admin.settings()
    world.admin.update_settings(
        evolve(settings, password_policy=PasswordPolicy(min_length=16, require_digit=False))
    )
    error = refusal(lambda: world.admin.add_user(GOOD))  # 12 characters
    assert isinstance(error, ValidationError)
    assert problems(error) == [("password.too_short", "password")]
    assert error.problems[0].expected == expect("at_least_chars", count=16)
    assert "(нужно не меньше 16 символов)" in error.message("ru")
    long = "Vasilek-Vasilek-Vasilek"
    user = world.admin.add_user(evolve(GOOD, password=long, password_confirmation=long))
    assert user.login == "petrova"
    common = "Password-2026"
    assert problems(refusal(lambda: world.admin.set_password("petrova", common, common))) == [
        ("password.too_short", "password"),
        ("password.common", "password"),
    ]
    world.admin.update_settings(
        evolve(settings, password_policy=PasswordPolicy(min_length=10, forbid_common=False))
    )
    assert world.admin.set_password("petrova", common, common).login == "petrova"


def test_every_problem_of_a_user_card_is_reported_at_once(world: World) -> None:
    draft = evolve(GOOD, phone="12345", email="petrova@", password_confirmation="nope")
    error = refusal(lambda: world.admin.add_user(draft))
    assert isinstance(error, ValidationError)
    assert sorted(problems(error)) == [
        ("email.invalid", "email"),
        ("password.mismatch", "password_confirmation"),
        ("phone.invalid", "phone"),
    ]
    assert world.users() == [world.admin.user("manager")]


def test_a_card_phone_in_another_format_is_a_taken_login(world: World, ivanov: Principal) -> None:
    users = world.users()
    draft = evolve(GOOD, login="8 (343) 222-33-44", password="Other-2026x")
    error = refusal(
        lambda: world.admin.add_user(evolve(draft, password_confirmation="Other-2026x"))
    )
    assert isinstance(error, ValidationError)
    assert problems(error) == [("reference.duplicate", "login")]
    assert world.users() == users


def test_a_client_logs_in_with_its_card_phone_in_any_format(
    world: World, ivanov: Principal
) -> None:
    other = "Other-2026x"
    with contextlib.suppress(ValidationError):  # refusing that login is one right answer
        world.admin.add_user(
            evolve(GOOD, login="8 (343) 222-33-44", password=other, password_confirmation=other)
        )
    for login in (ROMASHKA_E164, "8 (343) 222-33-44", "+7 343 222 33 44"):
        assert world.app.log_in("acme", login, PASSWORD) == ivanov, login


@pytest.mark.parametrize(
    ("card", "code", "field"),
    [
        pytest.param(
            CardDraft("ROMASHKA", "petrova", contract="VASILEK-1", login="petrova-cabinet"),
            "reference.unknown",
            "contract",
            id="another counterparty's contract",
        ),
        pytest.param(
            CardDraft("ROMASHKA", "petrova", contract="ROMASHKA-9", login="petrova-cabinet"),
            "reference.unknown",
            "contract",
            id="unknown contract",
        ),
        pytest.param(
            CardDraft("ROMASHKA", "manager", login="manager-cabinet"),
            "card.not_client",
            "user",
            id="not a client",
        ),
        pytest.param(
            CardDraft("VASILEK", "ivanov", login="ivanov-2"),
            "reference.duplicate",
            "user",
            id="second card of a user",
        ),
        pytest.param(
            CardDraft("ROMASHKA", "petrova"),
            "reference.duplicate",
            "login",
            id="the phone is another card's login",
        ),
        pytest.param(
            CardDraft("ROMASHKA", "petrova", login="8 (343) 222 33 44"),
            "reference.duplicate",
            "login",
            id="the same phone in another format",
        ),
        pytest.param(
            CardDraft("VASILEK", "petrova", login="Manager"),
            "reference.duplicate",
            "login",
            id="another user's login",
        ),
        pytest.param(
            CardDraft("LANDYSH", "petrova"), "card.no_login", "login", id="no phone, no login"
        ),
    ],
)
def test_a_bad_connection_card_is_refused_and_changes_nothing(
    world: World, ivanov: Principal, card: CardDraft, code: str, field: str
) -> None:
    world.admin.add_user(GOOD)
    world.admin.grant_roles("petrova", [Role.CLIENT])
    codes = ("ROMASHKA", "VASILEK", "LANDYSH")
    cards = {code: world.admin.cards(code) for code in codes}
    users = world.users()
    error = refusal(lambda: world.admin.create_card(card))
    assert isinstance(error, ValidationError)
    assert problems(error) == [(code, field)]
    assert {code: world.admin.cards(code) for code in codes} == cards
    assert world.users() == users
    assert isinstance(
        refusal(lambda: world.app.log_in("acme", "petrova", "Vasilek-2026")), NotConnected
    )


@pytest.mark.parametrize(
    ("login", "roles", "code"),
    [
        pytest.param("petrova", [Role.CLIENT, Role.MANAGER], "roles.client_exclusive", id="new"),
        pytest.param(
            "ivanov", ["client_cabinet", "administrator"], "roles.client_exclusive", id="client"
        ),
        pytest.param(
            "manager", ["manager", "client_cabinet"], "roles.client_exclusive", id="manager"
        ),
        pytest.param("ivanov", ["superuser"], "value.invalid", id="unknown role"),
    ],
)
def test_the_client_cabinet_role_stands_alone(
    world: World, ivanov: Principal, login: str, roles: list[Role | str], code: str
) -> None:
    world.admin.add_user(GOOD)
    users = world.users()
    error = refusal(lambda: world.admin.grant_roles(login, roles))
    assert isinstance(error, ValidationError)
    assert problems(error) == [(code, "roles")]
    assert world.users() == users
    assert world.app.log_in("acme", "ivanov", PASSWORD) == ivanov


def test_a_disabled_user_is_told_so_only_after_the_right_password(
    world: World, ivanov: Principal
) -> None:
    world.admin.disable_user("ivanov")
    users = world.users()

    wrong = refusal(lambda: world.app.log_in("acme", "ivanov", WRONG))
    assert type(wrong) is InvalidCredentials
    assert wrong.code == "auth.invalid_credentials"
    right = refusal(lambda: world.app.log_in("acme", "ivanov", PASSWORD))
    assert type(right) is UserDisabled
    assert right.code == "auth.disabled"
    assert right.details == {"login": "ivanov"}
    # through the card login too
    assert type(refusal(lambda: world.app.log_in("acme", ROMASHKA_E164, PASSWORD))) is (
        UserDisabled
    )
    assert world.users() == users
    # the card's phone names the same user: its refusal is recorded under the user's login
    assert [e.detail for e in world.denied("ivanov")] == [
        "auth.invalid_credentials",
        "auth.disabled",
        "auth.disabled",
    ]

    world.admin.enable_user("ivanov")
    assert world.app.log_in("acme", "ivanov", PASSWORD) == ivanov


def test_a_client_without_a_connection_card_is_not_connected(world: World) -> None:
    world.admin.add_user(GOOD)
    world.admin.grant_roles("petrova", ["client_cabinet"])
    users = world.users()
    wrong = refusal(lambda: world.app.log_in("acme", "petrova", "Vasilek-2027"))
    assert type(wrong) is InvalidCredentials
    right = refusal(lambda: world.app.log_in("acme", "petrova", "Vasilek-2026"))
    assert type(right) is NotConnected
    assert right.code == "auth.not_connected"
    assert right.details == {"login": "petrova"}
    assert world.users() == users
    assert [e.detail for e in world.denied("petrova")] == [
        "auth.invalid_credentials",
        "auth.not_connected",
    ]

    world.admin.create_card(CardDraft("VASILEK", "petrova"))
    principal = world.app.log_in("acme", "petrova", "Vasilek-2026")
    assert principal == Principal.client(world.account.id, "petrova", world.vasilek.id)


def test_too_many_wrong_passwords_lock_the_login_for_a_while(
    world: World, ivanov: Principal
) -> None:
    world.lock_after(failures=3, minutes=10)
    users = world.users()
    log_in = world.app.log_in

    for _ in range(3):
        assert type(refusal(lambda: log_in("acme", "ivanov", WRONG))) is InvalidCredentials
        world.clock.advance(timedelta(seconds=5))
    locked_at = world.clock.now() - timedelta(seconds=5)
    until = locked_at + timedelta(minutes=10)

    locked = refusal(lambda: log_in("acme", "ivanov", PASSWORD))
    assert type(locked) is LoginLocked
    assert locked.code == "auth.locked"
    assert locked.details == {"until": until, "time_zone": "Europe/Moscow"}
    moscow = until + timedelta(hours=3)  # Moscow keeps UTC+3 all year
    assert locked.message("ru") == (
        f"Слишком много неудачных попыток входа; повторите после {moscow:%d.%m.%Y %H:%M} (МСК)"
    )
    assert locked.message("en") == (
        f"Too many failed logins; try again after {moscow:%Y-%m-%d %H:%M} MSK"
    )
    assert locked.message("en", zone="Asia/Yekaterinburg").endswith(
        f"{until + timedelta(hours=5):%Y-%m-%d %H:%M} UTC+05:00"
    )
    assert isinstance(locked, AuthenticationFailed)
    assert world.users() == users

    world.clock.current = until - timedelta(seconds=1)
    assert type(refusal(lambda: log_in("acme", "IVANOV", PASSWORD))) is LoginLocked
    world.clock.current = until + timedelta(seconds=1)
    assert log_in("acme", "ivanov", PASSWORD) == ivanov
    # the lock started the count afresh
    for _ in range(2):
        assert type(refusal(lambda: log_in("acme", "ivanov", WRONG))) is InvalidCredentials
    assert log_in("acme", "ivanov", PASSWORD) == ivanov

    # the failure that locked it is the lock's one entry: refusals while locked write none
    assert [e.detail for e in world.denied("ivanov")] == [
        "auth.invalid_credentials",
        "auth.invalid_credentials",
        "auth.locked",
        "auth.invalid_credentials",
        "auth.invalid_credentials",
    ]
    assert world.users() == users


def test_wrong_passwords_after_a_lock_expired_are_logged_as_wrong_passwords(
    world: World, ivanov: Principal
) -> None:
    world.lock_after(failures=3, minutes=10)
    for _ in range(3):
        assert type(refusal(lambda: world.app.log_in("acme", "ivanov", WRONG))) is (
            InvalidCredentials
        )
    world.clock.advance(timedelta(minutes=11))
    error = refusal(lambda: world.app.log_in("acme", "ivanov", WRONG))
    assert type(error) is InvalidCredentials  # not locked any more
    assert world.denied("ivanov")[-1].detail == "auth.invalid_credentials"


def test_a_phone_login_counts_failures_whatever_its_format(world: World, ivanov: Principal) -> None:
    world.lock_after(failures=3, minutes=10)

    def attempt(login: str, password: str) -> type[CustodyError]:
        return type(refusal(lambda: world.app.log_in("acme", login, password)))

    for login in ("+7 343 222-33-44", "8 (343) 222 33 44", "83432223344"):
        assert attempt(login, WRONG) is InvalidCredentials
    # the card's phone in any form, and the user's own login, share the user's one counter
    for login in (ROMASHKA_E164, "8-343-222-33-44", "ivanov"):
        assert attempt(login, PASSWORD) is LoginLocked
    assert [e.detail for e in world.denied("ivanov")] == (
        ["auth.invalid_credentials"] * 2 + ["auth.locked"]
    )
    assert world.denied(ROMASHKA_E164) == []


def test_an_unknown_login_is_refused_counted_and_locked_like_a_wrong_password(
    world: World, ivanov: Principal
) -> None:
    world.lock_after(failures=3, minutes=10)
    users = world.users()

    def same(known: CustodyError, unknown: CustodyError) -> None:
        assert type(known) is type(unknown)
        assert known.code == unknown.code
        assert known.details == unknown.details
        for locale in LOCALES:
            assert known.message(locale) == unknown.message(locale)

    for _ in range(3):
        known = refusal(lambda: world.app.log_in("acme", "ivanov", WRONG))
        unknown = refusal(lambda: world.app.log_in("acme", "nobody", WRONG))
        assert type(known) is InvalidCredentials
        same(known, unknown)
        world.clock.advance(timedelta(minutes=1))
    known = refusal(lambda: world.app.log_in("acme", "ivanov", PASSWORD))
    unknown = refusal(lambda: world.app.log_in("acme", "nobody", PASSWORD))
    assert type(known) is LoginLocked
    same(known, unknown)

    assert [e.detail for e in world.denied("nobody")] == [e.detail for e in world.denied("ivanov")]
    assert len(world.denied("nobody")) == 3
    assert world.users() == users
    with pytest.raises(NotFound):
        world.admin.user("nobody")

    world.clock.advance(timedelta(minutes=11))
    assert type(refusal(lambda: world.app.log_in("acme", "nobody", WRONG))) is InvalidCredentials
    assert world.app.log_in("acme", "ivanov", PASSWORD) == ivanov


def test_a_client_is_refused_what_only_staff_may_do(world: World, ivanov: Principal) -> None:
    office: BackOffice = world.app.back_office(ivanov)
    users = world.users()
    settings = world.admin.settings()
    for attempt in (
        lambda: office.add_user(GOOD),
        lambda: office.grant_roles("ivanov", ["administrator"]),
        lambda: office.create_card(CardDraft("VASILEK", "ivanov", login="x")),
        office.users,
        lambda: office.update_settings(evolve(settings, clients_see_attachments=True)),
        office.audit_log,
    ):
        error = refusal(attempt)
        assert type(error) is PermissionDenied
        assert error.code == "permission_denied"
    assert world.users() == users
    assert world.admin.settings() == settings
    cabinet: Cabinet = world.app.cabinet(ivanov)
    assert not hasattr(cabinet, "add_user")
    assert not hasattr(cabinet, "audit_log")


def test_a_card_may_not_take_a_phone_another_user_has_as_login_in_another_format(
    world: World,
) -> None:
    """The other order of the same clash: the user with a phone as login comes first."""
    other = "Other-2026x"
    world.admin.add_user(
        evolve(GOOD, login="8 (343) 222-33-44", password=other, password_confirmation=other)
    )
    world.admin.add_user(UserDraft("ivanov", PASSWORD, PASSWORD, "Иванов", "Иван"))
    world.admin.grant_roles("ivanov", [Role.CLIENT])
    users = world.users()
    error = refusal(lambda: world.admin.create_card(CardDraft("ROMASHKA", "ivanov")))
    assert isinstance(error, ValidationError)
    assert problems(error) == [("reference.duplicate", "login")]
    assert world.admin.cards("ROMASHKA") == []
    assert world.users() == users


def test_a_client_whose_card_came_second_still_logs_in_with_its_phone(world: World) -> None:
    other = "Other-2026x"
    world.admin.add_user(
        evolve(GOOD, login="8 (343) 222-33-44", password=other, password_confirmation=other)
    )
    world.admin.add_user(UserDraft("ivanov", PASSWORD, PASSWORD, "Иванов", "Иван"))
    world.admin.grant_roles("ivanov", [Role.CLIENT])
    try:
        world.admin.create_card(CardDraft("ROMASHKA", "ivanov"))
    except ValidationError:
        world.admin.create_card(CardDraft("ROMASHKA", "ivanov", login="ivanov-cabinet"))
    (card,) = world.admin.cards("ROMASHKA")
    # whichever login the card got, typing it in any format reaches ivanov
    typed = (
        ["ivanov-cabinet"]
        if card.login == "ivanov-cabinet"
        else [
            ROMASHKA_E164,
            "8 (343) 222-33-44",
        ]
    )
    expected = Principal.client(world.account.id, "ivanov", world.romashka.id)
    for login in typed:
        assert world.app.log_in("acme", login, PASSWORD) == expected, login


def test_two_users_may_not_have_the_same_phone_as_login(world: World) -> None:
    first = evolve(GOOD, login="8 (343) 222-33-44")
    world.admin.add_user(first)
    users = world.users()
    error = refusal(lambda: world.admin.add_user(evolve(first, login="+7 343 222 33 44")))
    assert isinstance(error, ValidationError)
    assert problems(error) == [("reference.duplicate", "login")]
    assert world.users() == users


# -- logins that look alike, and logins that cannot be ----------------------------------


def test_a_login_that_looks_like_another_is_the_same_login_or_refused(world: World) -> None:
    world.admin.add_user(UserDraft("boss", PASSWORD, PASSWORD, "Орлов", "Олег"))
    world.admin.grant_roles("boss", [Role.MANAGER])
    users = world.users()
    for login, code in [
        ("ｂｏｓｓ", "reference.duplicate"),  # fullwidth: NFKC makes it boss
        ("BOSS", "reference.duplicate"),
        ("boss\u200b", "text.hidden_characters"),  # a zero-width space
        ("\u0430dmin", "login.mixed_scripts"),  # a Cyrillic а, then Latin
    ]:
        error = refusal(lambda login=login: world.admin.add_user(GOOD_WITH(login)))
        assert isinstance(error, ValidationError)
        assert problems(error) == [(code, "login")], login
    assert world.users() == users

    boss = world.app.log_in("acme", "ｂｏｓｓ", PASSWORD)
    assert boss.user == "boss"
    for login in ("boss\u200b", "\u0430dmin"):
        error = refusal(lambda login=login: world.app.log_in("acme", login, PASSWORD))
        assert type(error) is ValidationError
        assert [problem.field for problem in error.problems] == ["login"]
    assert world.denied("boss") == []


@pytest.mark.parametrize(
    ("login", "code"),
    [
        pytest.param("x" * 65536, "text.too_long", id="64 KiB"),
        pytest.param("x" * 3000, "text.too_long", id="over a PostgreSQL index row"),
        pytest.param("ivanov\nlogin done ivanov", "text.control_characters", id="newline"),
        pytest.param("\x1b[2J\x1b[31mivanov", "text.control_characters", id="ansi escape"),
        pytest.param("ivanov\u202e", "text.control_characters", id="direction override"),
        pytest.param("ivan\x00ov", "text.control_characters", id="nul"),
    ],
)
def test_a_login_that_cannot_be_one_is_refused_before_it_reaches_storage(
    world: World, ivanov: Principal, login: str, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Logging in opens no unit of work for it; what administrators type is refused too."""
    storage = world.app.storage
    unit_of_work = storage.unit_of_work
    opened: list[object] = []

    def counted(read_only: bool = False) -> Any:
        opened.append(login)
        return unit_of_work(read_only=read_only)

    with monkeypatch.context() as patched:
        patched.setattr(storage, "unit_of_work", counted)
        refused = [refusal(lambda: world.app.log_in("acme", login, PASSWORD))]
    assert opened == [], "nothing was looked up, counted or audited"
    refused += [
        refusal(lambda: world.admin.user(login)),
        refusal(lambda: world.admin.add_user(GOOD_WITH(login))),
        refusal(lambda: world.admin.create_card(CardDraft("VASILEK", "ivanov", login=login))),
    ]
    for error in refused:
        assert isinstance(error, ValidationError)
        assert (code, "login") in problems(error)
        for locale in LOCALES:
            message = error.message(locale)
            assert len(message) < 1000
            assert not [char for char in message if char in "\n\x1b\u202e\x00"]
    assert world.app.log_in("acme", "ivanov", PASSWORD) == ivanov


def GOOD_WITH(login: str) -> UserDraft:
    return evolve(GOOD, login=login)
