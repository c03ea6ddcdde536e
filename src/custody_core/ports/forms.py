"""Storage of what printed forms are made from: requisites, tariffs and form numbers."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from custody_core.domain.forms import FormKind, IssuedForm
from custody_core.domain.requisites import Requisites
from custody_core.domain.tariffs import Tariff


class RequisitesRepository(Protocol):
    def get(self, account_id: UUID, party_id: UUID) -> Requisites | None:
        """The requisites of a counterparty, or of the company when `party_id` is the account's."""
        ...

    def put(self, account_id: UUID, party_id: UUID, requisites: Requisites) -> None:
        """Store `requisites`, replacing what the party had."""
        ...


class TariffRepository(Protocol):
    def get(self, account_id: UUID, counterparty_id: UUID | None) -> Tariff | None:
        """The counterparty's own tariff, or with None the account's default one."""
        ...

    def put(self, tariff: Tariff) -> None:
        """Store `tariff`, replacing the one of the same counterparty (or the default)."""
        ...


class FormNumberRepository(Protocol):
    def get(self, account_id: UUID, kind: FormKind, source: str) -> IssuedForm | None: ...
    def next_number(self, account_id: UUID, kind: FormKind, year: int) -> int:
        """One more than the largest number of `kind` in `year` (1 for the first)."""
        ...

    def add(self, issued: IssuedForm) -> None:
        """Store a new number; Conflict when its source or its number is already taken."""
        ...
