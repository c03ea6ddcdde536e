"""Connection cards: what links a cabinet user to exactly one counterparty.

The card stores no password. It names the user, whose password exists only
as a hash; a client principal's counterparty is always read from its card.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from attrs import frozen


@frozen
class CardDraft:
    """A new card as the seed's form has it; blanks take the defaults the seed describes."""

    counterparty: str
    user: str
    #: Another contract of the same counterparty; the main contract when None.
    contract: str | None = None
    #: The cabinet's address; the account's configured cabinet URL when None.
    url: str | None = None
    #: The login the client types; the counterparty's phone when None.
    login: str | None = None


@frozen
class ConnectionCard:
    id: UUID
    account_id: UUID
    counterparty_id: UUID
    contract_id: UUID
    user_id: UUID
    #: In `login_key` form; a client may log in with it as well as with the user's login.
    login: str
    created_at: datetime
    url: str | None = None
