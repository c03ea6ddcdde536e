"""What every use case runs with: storage, clock, id source and the acting principal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from attrs import frozen

from custody_core.domain.errors import NotFound, Problem, ValidationError
from custody_core.domain.parties import Account, Counterparty, Warehouse
from custody_core.domain.principal import Principal
from custody_core.ports.clock import Clock
from custody_core.ports.storage import StorageBackend, UnitOfWork
from custody_core.services.authorization import may_see


@frozen
class Context:
    storage: StorageBackend
    clock: Clock
    new_id: Callable[[], UUID]
    principal: Principal

    @property
    def account_id(self) -> UUID:
        return self.principal.account_id

    def now(self) -> datetime:
        instant = self.clock.now()
        if instant.tzinfo is None:
            raise ValueError("the clock returned a naive datetime; clocks must be timezone-aware")
        return instant

    def account(self, uow: UnitOfWork) -> Account:
        account = uow.accounts.get(self.account_id)
        if account is None:
            raise NotFound(entity="account", key=str(self.account_id))
        return account

    def counterparty(self, uow: UnitOfWork, code: str | None) -> Counterparty:
        """The counterparty addressed by `code`; a client's own one when `code` is None."""
        if code is None and self.principal.is_client:
            assert self.principal.counterparty_id is not None
            found = uow.counterparties.get(self.account_id, self.principal.counterparty_id)
        elif code is None:
            raise ValidationError([Problem("text.blank", "counterparty")])
        else:
            found = uow.counterparties.by_code(self.account_id, code)
        if found is None or not may_see(self.principal, found.id):
            raise NotFound(entity="counterparty", key=code)
        return found

    def warehouse(self, uow: UnitOfWork, code: str) -> Warehouse:
        found = uow.warehouses.by_code(self.account_id, code)
        if found is None:
            raise NotFound(entity="warehouse", key=code)
        return found
