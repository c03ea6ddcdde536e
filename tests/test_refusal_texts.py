"""Refusals are worded by the catalogue, never by the code that raises them: each kind
of conflict has its own code and details, and its Russian message holds no English
sentence, only the values it names."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from uuid import UUID

import pytest

from custody_core.domain import conflicts
from custody_core.domain.errors import Conflict, CustodyError

USER = UUID("12345678-1234-5678-1234-567812345678")

#: Each conflict as a backend or use case raises it, and the code it must carry.
CONFLICTS: list[tuple[Callable[[], Conflict], str]] = [
    (lambda: conflicts.stale_version(3, 2, 1), "conflict.stale_version"),
    (lambda: conflicts.order_changed(3), "conflict.order_changed"),
    (lambda: conflicts.user_changed("ivanov"), "conflict.user_changed"),
    (lambda: conflicts.order_number_taken(7), "conflict.order_number_taken"),
    (lambda: conflicts.external_number_taken("A-1"), "conflict.external_number_taken"),
    (lambda: conflicts.shipment_number_taken(4), "conflict.shipment_number_taken"),
    (lambda: conflicts.form_issued("mx1", 5, 2026), "conflict.form_issued"),
    (lambda: conflicts.login_taken("ivanov"), "conflict.login_taken"),
    (lambda: conflicts.external_id_taken("oidc:1"), "conflict.external_id_taken"),
    (lambda: conflicts.card_exists(USER), "conflict.card_exists"),
    (lambda: conflicts.card_login_taken("ivanov"), "conflict.card_login_taken"),
    (lambda: conflicts.id_taken("attachment", USER), "conflict.id_taken"),
    (
        lambda: conflicts.reserve_short(USER, Decimal("2"), Decimal("1")),
        "stock.reserve_insufficient",
    ),
]


def english_words(error: CustodyError) -> list[str]:
    """Latin words of the Russian message once the details' own values are taken out."""
    text = error.message("ru")
    for value in error.details.values():
        text = text.replace(str(value), " ")
    return re.findall(r"[A-Za-z]{2,}", text)


@pytest.mark.parametrize(("make", "code"), CONFLICTS)
def test_each_conflict_has_its_own_code_and_a_russian_message(
    make: Callable[[], Conflict], code: str
) -> None:
    error = make()
    assert isinstance(error, Conflict)
    assert error.code == code
    assert "reason" not in error.details
    assert english_words(error) == []
    assert error.message("ru") != error.message("en")


def test_a_stale_version_reads_naturally_in_russian() -> None:
    error = conflicts.stale_version(3, 2, 1)
    assert error.message("ru") == "Заказ 3 уже изменён (версия 2, а не 1); обновите и повторите"
    assert error.details == {"order": 3, "version": 2, "expected": 1}


def test_a_form_issued_twice_names_the_form_in_russian() -> None:
    error = conflicts.form_issued("mx1", 5, 2026)
    assert error.message("ru") == (
        "Форму «МХ-1» № 5 за 2026 год тем временем уже выдали; повторите попытку"
    )
