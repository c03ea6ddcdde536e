"""What every use case runs with: storage, clock, id source and the acting principal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from uuid import UUID

from attrs import field, frozen

from custody_core.domain import codes
from custody_core.domain.audit import AuditEntry, Outcome
from custody_core.domain.checks import MAX_LIST_LENGTH, optional_day, reference
from custody_core.domain.errors import NotFound, Problem, SpreadsheetError, ValidationError
from custody_core.domain.messages import expect
from custody_core.domain.parties import Account, Counterparty, Warehouse
from custody_core.domain.principal import Principal
from custody_core.ports.clock import Clock
from custody_core.ports.printing import FormRenderer
from custody_core.ports.spreadsheets import SpreadsheetReader
from custody_core.ports.storage import DocumentQuery, StorageBackend, UnitOfWork
from custody_core.services.authorization import require_visible
from custody_core.services.identity import Identity

ReaderChoice = Callable[[str | None, str], SpreadsheetReader]
#: Makes the renderer of a format name.
RendererChoice = Callable[[str], FormRenderer]


@frozen
class Context:
    storage: StorageBackend
    clock: Clock
    new_id: Callable[[], UUID]
    principal: Principal
    identity: Identity
    #: Chooses a spreadsheet reader: (reader name or None for the default, file suffix).
    readers: ReaderChoice | None = None
    renderers: RendererChoice | None = None
    #: The most entries a use case takes in one list argument (`checks.bounded`).
    max_list_length: int = MAX_LIST_LENGTH
    #: The principal's account, read once: accounts never change after creation.
    _account: list[Account] = field(factory=list, init=False, eq=False, repr=False)

    @property
    def account_id(self) -> UUID:
        return self.principal.account_id

    def now(self) -> datetime:
        instant = self.clock.now()
        if instant.tzinfo is None:
            raise ValueError("the clock returned a naive datetime; clocks must be timezone-aware")
        return instant

    def commit(
        self,
        uow: UnitOfWork,
        action: str,
        *,
        counterparty_id: UUID | None = None,
        target: str | None = None,
    ) -> None:
        """Commit the use case's writes together with their audit entry: one cannot
        be stored without the other."""
        uow.audit.append(
            AuditEntry(
                self.account_id,
                self.now(),
                self.principal.user,
                action,
                Outcome.DONE,
                counterparty_id,
                target,
            )
        )
        uow.commit()

    def reader(self, name: str | None, suffix: str) -> SpreadsheetReader:
        if self.readers is None:
            raise SpreadsheetError(codes.Reader.UNKNOWN, reader=name, installed="none", hint="")
        return self.readers(name, suffix)

    def account(self, uow: UnitOfWork) -> Account:
        if self._account:
            return self._account[0]
        account = uow.accounts.get(self.account_id)
        if account is None:
            raise NotFound(entity="account", key=str(self.account_id))
        self._account.append(account)
        return account

    def counterparty(self, uow: UnitOfWork, code: str | None) -> Counterparty:
        """The counterparty addressed by `code`; a client's own one when `code` is None."""
        if code is None and self.principal.is_client:
            assert self.principal.counterparty_id is not None
            found = uow.counterparties.get(self.account_id, self.principal.counterparty_id)
        elif code is None:
            raise ValidationError([Problem(codes.Text.BLANK, "counterparty")])
        else:
            found = uow.counterparties.by_code(self.account_id, reference(code, "counterparty"))
        require_visible(self.principal, None if found is None else found.id, "counterparty", code)
        assert found is not None, "require_visible refuses a missing counterparty"
        return found

    def warehouse(self, uow: UnitOfWork, code: str) -> Warehouse:
        found = uow.warehouses.by_code(self.account_id, reference(code, "warehouse"))
        if found is None:
            raise NotFound(entity="warehouse", key=code)
        return found


def document_query(
    ctx: Context,
    uow: UnitOfWork,
    counterparty_code: str | None,
    warehouse_code: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    order_id: UUID | None = None,
    reversed: bool | None = None,
) -> DocumentQuery:
    """Filters of a document list; a client's list is always confined to its own counterparty.
    `reversed` keeps the documents that were (True) or were not (False) reversed."""
    if reversed is not None and not isinstance(reversed, bool):
        raise ValidationError(
            [Problem(codes.Value.INVALID, "reversed", reversed, expect("yes_or_no"))]
        )
    counterparty = None
    if counterparty_code is not None or ctx.principal.is_client:
        counterparty = ctx.counterparty(uow, counterparty_code)
    warehouse = None if warehouse_code is None else ctx.warehouse(uow, warehouse_code)
    return DocumentQuery(
        counterparty_id=counterparty.id if counterparty else None,
        warehouse_id=warehouse.id if warehouse else None,
        date_from=optional_day(date_from, "date_from"),
        date_to=optional_day(date_to, "date_to"),
        order_id=order_id,
        reversed=reversed,
    )
