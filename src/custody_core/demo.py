"""A realistic sample: a courier company keeping two clients' goods on custody."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from custody_core.domain.forms import Form
from custody_core.domain.lines import LineDraft
from custody_core.domain.orders import OrderDraft
from custody_core.domain.parties import Account
from custody_core.domain.principal import Principal
from custody_core.domain.receipts import ReceiptDraft
from custody_core.domain.requisites import BankAccount, Requisites, Signatory
from custody_core.domain.tariffs import Charge, Rate
from custody_core.domain.units import KILOGRAM, PIECE
from custody_core.domain.vat import Vat, VatMode
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice

ACCOUNT_CODE = "default"
MAIN_CLIENT = "ROMASHKA"


def build_demo(app: Application) -> Account:
    """Fill an empty storage: catalogue, receipts, and orders of every state, one of them short."""
    account = app.create_account(ACCOUNT_CODE, "ООО «Быстрая доставка»", "Europe/Moscow")
    office = app.back_office(Principal.manager(account.id, "demo-manager"))
    today = account.business_date(app.clock.now())

    office.add_warehouse("MSK-1", "Склад Москва, Складочная 1")
    office.add_counterparty(MAIN_CLIENT, "ООО «Ромашка»", phone="+79123456789", inn="7728456120")
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
        draft = OrderDraft(
            "MSK-1", lines, counterparty=MAIN_CLIENT, recipient=recipient, zone="МКАД"
        )
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
    _billing(app.back_office(Principal.administrator(account.id, "demo-admin")))
    return account


def _billing(admin: BackOffice) -> None:
    """Requisites of the company and of the main client, and the default tariff."""
    admin.set_requisites(
        Requisites(
            "ООО «Быстрая доставка»",
            inn="7712345671",
            kpp="771201001",
            okpo="12345678",
            address="125040, г. Москва, ул. Складочная, д. 1",
            phone="+7 495 000-00-00",
            bank=BankAccount(
                "ПАО Сбербанк", "044525225", "40702810500000001234", "30101810400000000225"
            ),
            head=Signatory("Генеральный директор", "Орлов К. В."),
            accountant=Signatory("Главный бухгалтер", "Зайцева М. Н."),
        )
    )
    admin.set_requisites(
        Requisites(
            "ООО «Ромашка»",
            inn="7728456120",
            kpp="772801001",
            address="117393, г. Москва, ул. Профсоюзная, д. 56",
            phone="+7 912 345-67-89",
            head=Signatory("Директор", "Ромашкина Е. А."),
        ),
        MAIN_CLIENT,
    )
    admin.set_tariff(
        [
            Rate(Charge.STORAGE_UNIT_DAY, "Хранение товара", Decimal("0.80"), "ХР-01"),
            Rate(Charge.DELIVERY_ORDER, "Доставка заказа", Decimal("350.00"), "ДС-01"),
            Rate(Charge.DELIVERY_KG, "Доставка, за кг", Decimal("15.00"), "ДС-02"),
            Rate(
                Charge.DELIVERY_ZONE, "Доставка в пределах МКАД", Decimal("100.00"), "ДС-03", "МКАД"
            ),
            Rate(Charge.EXTRA_ORDER, "Упаковка заказа", Decimal("50.00"), "УП-01"),
        ],
        Vat(VatMode.ON_TOP, 20),
    )


def write_forms(app: Application, account: Account, directory: Path) -> list[Path]:
    """One of each printed form of the sample, as xlsx files in `directory`."""
    desk = app.back_office(Principal.manager(account.id, "demo-manager"))
    shipment = desk.shipments(MAIN_CLIENT).items[0]
    forms: list[Form] = [
        desk.mx1("ПН-0001", shipment.date.year, MAIN_CLIENT),
        desk.mx3(shipment.number),
        desk.service_act(shipment.number),
        desk.invoice(shipment.number),
    ]
    written = []
    for form in forms:
        rendered = desk.render(form, "xlsx")
        path = directory / rendered.file_name
        path.write_bytes(rendered.content)
        written.append(path)
    return written
