"""In-memory requisites, tariffs and form numbers."""

from __future__ import annotations

from uuid import UUID

from custody_core.adapters.storage.memory_access import MemoryRepository
from custody_core.domain import conflicts
from custody_core.domain.forms import FormKind, IssuedForm
from custody_core.domain.requisites import Requisites
from custody_core.domain.tariffs import Tariff


class RequisitesStore(MemoryRepository):
    def get(self, account_id: UUID, party_id: UUID) -> Requisites | None:
        row = self._s.requisites.get((account_id, party_id))
        return None if row is None else row[2]

    def put(self, account_id: UUID, party_id: UUID, requisites: Requisites) -> None:
        self._s.requisites.put((account_id, party_id, requisites))


class Tariffs(MemoryRepository):
    def get(self, account_id: UUID, counterparty_id: UUID | None) -> Tariff | None:
        return self._s.tariffs.get((account_id, counterparty_id))

    def put(self, tariff: Tariff) -> None:
        self._s.tariffs.put(tariff)


class FormNumbers(MemoryRepository):
    def get(self, account_id: UUID, kind: FormKind, source: str) -> IssuedForm | None:
        return self._s.form_numbers.get((account_id, kind, source))

    def next_number(self, account_id: UUID, kind: FormKind, year: int) -> int:
        issued = self._s.form_numbers.where(
            lambda form: (form.account_id, form.kind, form.year) == (account_id, kind, year)
        )
        return max((form.number for form in issued), default=0) + 1

    def add(self, issued: IssuedForm) -> None:
        table = self._s.form_numbers
        if table.get((issued.account_id, issued.kind, issued.source)) or table.taken(issued):
            raise conflicts.form_issued(issued.kind, issued.number, issued.year)
        table.put(issued)
