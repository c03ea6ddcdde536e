"""Sample forms built straight from the domain builders (no storage): for renderer
tests, a plugin author's own renderer tests, and the pictures in the docs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TypeVar
from uuid import UUID, uuid4

from attrs import evolve

from custody_core.domain.form_building import goods_form, goods_lines, header, services_form
from custody_core.domain.forms import Annulment, FormKind, GoodsForm, ServicesForm
from custody_core.domain.items import Item
from custody_core.domain.lines import Line
from custody_core.domain.parties import Contract
from custody_core.domain.requisites import BankAccount, Requisites, Signatory
from custody_core.domain.reversals import ReversalNote
from custody_core.domain.tariffs import Charged
from custody_core.domain.units import KILOGRAM, PIECE
from custody_core.domain.vat import Vat, VatMode
from custody_core.services.wording import RussianWording

#: Client data that must print as inert text in every format.
HOSTILE = (
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    "<script>alert('x')</script>",
    "Bell\x07 and\x1b escape",
)

COMPANY = Requisites(
    name="ООО «Склад-Сервис»",
    inn="7712345671",
    kpp="771201001",
    okpo="12345678",
    address="125009, г. Москва, ул. Тверская, д. 1",
    phone="+7 495 123-45-67",
    bank=BankAccount("ПАО Сбербанк", "044525225", "40702810500000001234", "30101810400000000225"),
    head=Signatory("Генеральный директор", "Иванов И. И."),
    accountant=Signatory("Главный бухгалтер", "Петрова А. С."),
)
CLIENT = Requisites(
    name="ООО «Ромашка»",
    inn="7728456120",
    kpp="772801001",
    address="119991, г. Москва, Ленинский пр-т, д. 6",
    head=Signatory("Директор", "Сидоров С. С."),
)
CONTRACT = Contract(uuid4(), uuid4(), uuid4(), "ОХ-7", date(2026, 1, 15), is_main=True)
WORDS = RussianWording()
#: The reversal `annulled` marks a sample form void by.
REVERSAL = ReversalNote(
    4, date(2026, 11, 23), datetime(2026, 11, 23, 7, 0, tzinfo=UTC), "ошибка кладовщика", "manager"
)
F = TypeVar("F", GoodsForm, ServicesForm)


def items_and_lines(count: int, *, hostile: bool = False) -> tuple[dict[UUID, Item], list[Line]]:
    """`count` items (every third in kilograms) and a line of each."""
    items = {}
    lines = []
    for index in range(1, count + 1):
        name = HOSTILE[index % len(HOSTILE)] if hostile else f"Товар {index}"
        unit = KILOGRAM if index % 3 == 0 else PIECE
        item = Item(
            uuid4(),
            uuid4(),
            uuid4(),
            f"SKU-{index:04d}",
            name,
            unit,
            Decimal(index * 10) + Decimal("0.50"),
        )
        items[item.id] = item
        quantity = Decimal(index) + (Decimal("0.125") if unit is KILOGRAM else 0)
        lines.append(Line(item.id, quantity))
    return items, lines


def mx1(count: int = 3, *, hostile: bool = False) -> GoodsForm:
    items, lines = items_and_lines(count, hostile=hostile)
    head = header(
        FormKind.MX1, 1, date(2026, 11, 2), COMPANY, CLIENT, CONTRACT, "Приходная накладная № П-1"
    )
    return goods_form(head, "Основной склад", goods_lines(lines, items), WORDS)


def mx3(count: int = 3, *, hostile: bool = False, services: int = 1) -> GoodsForm:
    """MX-3 of `count` goods lines and `services` storage services."""
    items, lines = items_and_lines(count, hostile=hostile)
    head = header(
        FormKind.MX3, 2, date(2026, 11, 20), COMPANY, CLIENT, CONTRACT, "Расходная накладная № 5"
    )
    charged = [
        Charged(
            "Хранение" + (f" {n}" if n > 1 else ""),
            f"ХР-{n}",
            "ед.-сут",
            "9642",
            Decimal(190 * n),
            Decimal("0.35"),
        )
        for n in range(1, services + 1)
    ]
    vat = Vat(VatMode.INCLUDED, 20)
    return goods_form(
        head, "Основной склад", goods_lines(lines, items), WORDS, services=charged, vat=vat
    )


def services(kind: FormKind, count: int = 3, *, vat: Vat | None = None) -> ServicesForm:
    head = header(kind, 3, date(2026, 11, 20), COMPANY, CLIENT, CONTRACT, "Расходная накладная № 5")
    charged = [
        Charged(
            f"Доставка по зоне {index}" if index % 5 else HOSTILE[index % len(HOSTILE)],
            f"Д-{index}",
            "усл. ед",
            "876",
            Decimal(index),
            Decimal("350.00") + index,
        )
        for index in range(1, count + 1)
    ]
    return services_form(head, charged, vat or Vat(VatMode.ON_TOP, 20), WORDS)


def annulled(form: F) -> F:
    """`form` as a form of a reversed document prints for staff: void by `REVERSAL`."""
    return evolve(form, header=evolve(form.header, annulment=Annulment((REVERSAL,))))
