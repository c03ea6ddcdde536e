"""Reading the audit log, and recording what was refused in a transaction of its own."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from custody_core.domain import codes
from custody_core.domain.audit import MAX_TEXT, AuditEntry, AuditQuery, Outcome
from custody_core.domain.checks import CODE_LENGTH, optional_reference
from custody_core.domain.errors import CustodyError, Problem, ValidationError
from custody_core.domain.messages import expect
from custody_core.domain.paging import Page, PageRequest
from custody_core.ports.storage import StorageBackend
from custody_core.services.authorization import Action, authorize
from custody_core.services.context import Context


def list_audit(
    ctx: Context,
    *,
    actor: str | None = None,
    action: str | None = None,
    outcome: Outcome | str | None = None,
    counterparty_code: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: PageRequest | None = None,
) -> Page[AuditEntry]:
    """Entries in the order they were written, filtered; `since` inclusive, `until` not."""
    authorize(ctx.principal, Action.READ_AUDIT)
    problems = []
    for name, instant in (("since", since), ("until", until)):
        if instant is not None and (not isinstance(instant, datetime) or instant.tzinfo is None):
            problems.append(Problem(codes.Value.INVALID, name, str(instant), expect("instant")))
    wanted_outcome = None
    if outcome is not None:
        try:
            wanted_outcome = Outcome(outcome)
        except ValueError:
            problems.append(
                Problem(
                    codes.Value.INVALID,
                    "outcome",
                    outcome,
                    expect("one_of", choices=tuple(Outcome)),
                )
            )
    if problems:
        raise ValidationError(problems)
    actor = optional_reference(actor, "actor", MAX_TEXT)
    action = optional_reference(action, "action", CODE_LENGTH)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        counterparty = (
            None if counterparty_code is None else ctx.counterparty(uow, counterparty_code)
        )
        query = AuditQuery(
            actor=actor,
            action=action,
            outcome=wanted_outcome,
            counterparty_id=counterparty.id if counterparty else None,
            since=since,
            until=until,
        )
        return uow.audit.find(ctx.account_id, query, page or PageRequest())


def record_denial(storage: StorageBackend, entry: AuditEntry) -> None:
    """Store a refusal in its own transaction: the refused use case rolled back its own."""
    with storage.unit_of_work() as uow:
        uow.audit.append(entry)
        uow.commit()


def denial(
    ctx: Context, action: str, error: CustodyError, counterparty_id: UUID | None
) -> AuditEntry:
    return AuditEntry(
        ctx.account_id,
        ctx.now(),
        ctx.principal.user,
        action,
        Outcome.DENIED,
        counterparty_id,
        target=_target(error),
        detail=error.code,
    )


def _target(error: CustodyError) -> str | None:
    entity = error.details.get("entity")
    key = error.details.get("key")
    if entity is not None:
        return f"{entity} {key}"
    action = error.details.get("action")
    return None if action is None else str(action)
