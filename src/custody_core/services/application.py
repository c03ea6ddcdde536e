"""The application object: one per `custody_core.open()`, owning its storage."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self
from uuid import UUID

from custody_core.domain import codes
from custody_core.domain.checks import CODE_LENGTH, MAX_LIST_LENGTH, Checks, reference, whole_number
from custody_core.domain.errors import NotFound, Problem, ValidationError, invalid
from custody_core.domain.messages import expect
from custody_core.domain.parties import Account, zone
from custody_core.domain.principal import Principal
from custody_core.ports.clock import Clock
from custody_core.ports.storage import StorageBackend
from custody_core.services.authentication import Gate, log_in
from custody_core.services.context import Context, ReaderChoice, RendererChoice
from custody_core.services.desks import BackOffice, Cabinet
from custody_core.services.identifiers import time_ordered_id
from custody_core.services.identity import Identity


class Application:
    """Entry point to the use cases; close it (or use `with`) to release the storage."""

    def __init__(
        self,
        storage: StorageBackend,
        clock: Clock,
        identity: Identity,
        new_id: Callable[[], UUID] = time_ordered_id,
        readers: ReaderChoice | None = None,
        renderers: RendererChoice | None = None,
        max_list_length: int = MAX_LIST_LENGTH,
    ) -> None:
        self.storage = storage
        self.clock = clock
        self.identity = identity
        self._new_id = new_id
        self._readers = readers
        self._renderers = renderers
        self._max_list_length = whole_number(max_list_length, "max_list_length")

    def create_account(self, code: str, name: str, time_zone: str = "Europe/Moscow") -> Account:
        """Create a tenant. This is an operator's act, not a use case of any principal."""
        checks = Checks()
        code = checks.text(code, "code", CODE_LENGTH)
        name = checks.text(name, "name")
        checks.attempt(zone, time_zone)
        checks.done()
        with self.storage.unit_of_work() as uow:
            if uow.accounts.by_code(code) is not None:
                raise ValidationError([Problem(codes.Reference.DUPLICATE, "code", code)])
            account = Account(self._new_id(), code, name, time_zone)
            uow.accounts.add(account)
            uow.commit()
        return account

    def account(self, code: str) -> Account:
        with self.storage.unit_of_work(read_only=True) as uow:
            account = uow.accounts.by_code(reference(code, "account"))
        if account is None:
            raise NotFound(entity="account", key=code)
        return account

    def log_in(self, account_code: str, login: str, password: str) -> Principal:
        """The principal of the user `login` names, proven by `password`.

        Raises InvalidCredentials (wrong password and unknown login alike),
        LoginLocked after too many failures, UserDisabled, or NotConnected for
        a client-cabinet user without a connection card; a ValidationError, before
        anything is looked up, for a login that cannot be one.
        """
        gate = Gate(self.storage, self.clock, self._new_id, self.identity)
        return log_in(gate, account_code, login, password)

    def back_office(self, principal: Principal) -> BackOffice:
        return BackOffice(self._context(principal))

    def cabinet(self, principal: Principal) -> Cabinet:
        return Cabinet(self._context(principal))

    def _context(self, principal: Principal) -> Context:
        if not isinstance(principal, Principal):
            raise invalid(
                codes.Value.WRONG_TYPE,
                "principal",
                type(principal).__name__,
                expect("type", type="Principal"),
            )
        return Context(
            self.storage,
            self.clock,
            self._new_id,
            principal,
            self.identity,
            self._readers,
            self._renderers,
            self._max_list_length,
        )

    def close(self) -> None:
        self.storage.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
