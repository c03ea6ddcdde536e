"""A realistic sample: a courier company keeping two clients' goods on custody."""

from __future__ import annotations

from datetime import timedelta

from custody_core.domain.lines import LineDraft
from custody_core.domain.orders import OrderDraft
from custody_core.domain.parties import Account
from custody_core.domain.principal import Principal
from custody_core.domain.receipts import ReceiptDraft
from custody_core.domain.units import KILOGRAM, PIECE
from custody_core.services.application import Application

ACCOUNT_CODE = "default"
MAIN_CLIENT = "ROMASHKA"


def build_demo(app: Application) -> Account:
    """Fill an empty storage: catalogue, receipts, and orders of every state, one of them short."""
    account = app.create_account(ACCOUNT_CODE, "ООО «Быстрая доставка»", "Europe/Moscow")
    office = app.back_office(Principal.manager(account.id, "demo-manager"))
    today = account.business_date(app.clock.now())

    office.add_warehouse("MSK-1", "Склад Москва, Складочная 1")
    office.add_counterparty(MAIN_CLIENT, "ООО «Ромашка»", phone="+79123456789", inn="7701234567")
    office.add_contract(MAIN_CLIENT, "ОХ-2026/01", signed_on=today - timedelta(days=60))
    office.add_counterparty("VASILEK", "ИП Васильков А. П.", phone="+79031112233")
    office.add_contract("VASILEK", "ОХ-2026/07")

    office.add_item(MAIN_CLIENT, "TEA-001", "Чай чёрный, 100 г", unit=PIECE, declared_value="250")
    office.add_item(MAIN_CLIENT, "COF-002", "Кофе молотый, 250 г", unit=PIECE, declared_value="480")
    office.add_item(MAIN_CLIENT, "SUG-003", "Сахар-песок", unit=KILOGRAM, declared_value="95.50")
    office.add_item("VASILEK", "BOOK-01", "Книга «Логистика»", unit=PIECE, declared_value="990")

    office.post_receipt(
        ReceiptDraft(
            "ПН-0001",
            today - timedelta(days=10),
            MAIN_CLIENT,
            "MSK-1",
            [LineDraft("TEA-001", 120), LineDraft("COF-002", 40), LineDraft("SUG-003", "55.5")],
        )
    )
    office.post_receipt(
        ReceiptDraft(
            "ПН-0002", today - timedelta(days=7), "VASILEK", "MSK-1", [LineDraft("BOOK-01", 15)]
        )
    )

    def order(lines: list[LineDraft], recipient: str) -> int:
        draft = OrderDraft("MSK-1", lines, counterparty=MAIN_CLIENT, recipient=recipient)
        return office.create_order(draft).number

    delivered = order([LineDraft("TEA-001", 30), LineDraft("COF-002", 10)], "Иванов И. И.")
    office.confirm_order(delivered)
    office.deliver_order(delivered)
    first = order([LineDraft("TEA-001", 50), LineDraft("COF-002", 25)], "Петрова А. С.")
    office.confirm_order(first)
    short = order([LineDraft("COF-002", 20), LineDraft("SUG-003", "12.250")], "Сидоров П. П.")
    office.confirm_order(short)
    cancelled = order([LineDraft("TEA-001", 5)], "Кузнецова Е. В.")
    office.confirm_order(cancelled)
    office.cancel_order(cancelled)
    order([LineDraft("SUG-003", 3)], "Смирнов Д. А.")
    return account
