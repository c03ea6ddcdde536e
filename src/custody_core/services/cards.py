"""Connection cards: the seed's "Подключения клиентов" screen."""

from __future__ import annotations

from uuid import UUID

from custody_core.domain import codes
from custody_core.domain.cards import CardDraft, ConnectionCard
from custody_core.domain.checks import Checks
from custody_core.domain.errors import Problem
from custody_core.ports.storage import UnitOfWork
from custody_core.services import contacts
from custody_core.services.authorization import Action, authorize
from custody_core.services.context import Context
from custody_core.services.drafting import draft_contract
from custody_core.services.users import existing_user

URL_LENGTH = 1000


def create_card(ctx: Context, draft: CardDraft) -> ConnectionCard:
    """Connect a client-cabinet user to a counterparty, filling blanks as the seed does: the
    main contract, the account's cabinet address and the counterparty's phone as login."""
    authorize(ctx.principal, Action.MANAGE_USERS)
    checks = Checks()
    url = checks.optional_text(draft.url, "url", URL_LENGTH)
    typed_login = None if _blank(draft.login) else contacts.login(checks, draft.login)
    with ctx.storage.unit_of_work() as uow:
        counterparty = ctx.counterparty(uow, draft.counterparty)
        contracts = uow.contracts.for_counterparty(ctx.account_id, counterparty.id)
        contract = draft_contract(contracts, draft.contract, checks)
        user = existing_user(ctx, uow, draft.user, "user")
        if not user.is_client:
            checks.add(Problem(codes.Card.NOT_CLIENT, "user", user.login))
        if uow.cards.by_user(ctx.account_id, user.id) is not None:
            checks.add(Problem(codes.Reference.DUPLICATE, "user", user.login))
        login = typed_login
        if login is None and counterparty.phone is not None:
            login = contacts.canonical_login(counterparty.phone)
        if login is None:
            checks.add(Problem(codes.Card.NO_LOGIN, "login"))
        elif login and _taken_by_another(ctx, uow, login, user.id):
            checks.add(Problem(codes.Reference.DUPLICATE, "login", login))
        checks.done()
        assert contract is not None
        assert login is not None
        card = ConnectionCard(
            id=ctx.new_id(),
            account_id=ctx.account_id,
            counterparty_id=counterparty.id,
            contract_id=contract.id,
            user_id=user.id,
            login=login,
            created_at=ctx.now(),
            url=url or uow.settings.get(ctx.account_id).cabinet_url,
        )
        uow.cards.add(card)
        ctx.commit(
            uow,
            "card.create",
            counterparty_id=counterparty.id,
            target=f"card of user {user.login}",
        )
    return card


def list_cards(ctx: Context, counterparty_code: str) -> list[ConnectionCard]:
    authorize(ctx.principal, Action.MANAGE_USERS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        counterparty = ctx.counterparty(uow, counterparty_code)
        return uow.cards.of_counterparty(ctx.account_id, counterparty.id)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _taken_by_another(ctx: Context, uow: UnitOfWork, login: str, user_id: UUID) -> bool:
    """A card's login may be its own user's login, never another user's or another card's."""
    holder = uow.users.by_login(ctx.account_id, login)
    return (holder is not None and holder.id != user_id) or uow.cards.by_login(
        ctx.account_id, login
    ) is not None
