"""Who may do what: one policy table, checked by every use case.

A client principal is confined to its own counterparty. Asking for another
counterparty's object yields the same NotFound as asking for a missing one,
at the same cost, so a client cannot even learn what exists outside its own data.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from uuid import UUID

from custody_core.domain.errors import NotFound, PermissionDenied
from custody_core.domain.principal import Principal, Role
from custody_core.services.refusals import note_refused_lookup


class Action(enum.StrEnum):
    MANAGE_CATALOG = "manage counterparties, contracts, warehouses and items"
    POST_RECEIPT = "post receipts"
    READ_STOCK = "read stock"
    READ_DOCUMENTS = "read documents and orders"
    MANAGE_ORDERS = "create, confirm and cancel delivery orders"
    DELIVER_ORDERS = "deliver orders and record failed deliveries"
    REVERSE_DOCUMENTS = "reverse posted documents"
    CLOSE_PERIODS = "close periods"
    MANAGE_USERS = "manage users, roles and connection cards"
    MANAGE_SETTINGS = "manage the account's settings"
    READ_AUDIT = "read the audit log"
    ATTACH_FILES = "attach files to orders"
    READ_ATTACHMENTS = "read files attached to orders"
    MANAGE_TEMPLATES = "manage registry templates"
    MANAGE_BILLING = "manage requisites and tariffs"


_ADMINISTRATORS = frozenset({Role.ADMINISTRATOR})
_STAFF = _ADMINISTRATORS | {Role.MANAGER}
_EVERYONE = _STAFF | {Role.CLIENT}

#: Action -> roles allowed to perform it. Clients act only within their counterparty.
POLICY: Mapping[Action, frozenset[Role]] = MappingProxyType(
    {
        Action.MANAGE_CATALOG: _STAFF,
        Action.POST_RECEIPT: _STAFF,
        Action.READ_STOCK: _EVERYONE,
        Action.READ_DOCUMENTS: _EVERYONE,
        Action.MANAGE_ORDERS: _EVERYONE,
        Action.DELIVER_ORDERS: _STAFF,
        Action.REVERSE_DOCUMENTS: _STAFF,
        Action.CLOSE_PERIODS: _STAFF,
        Action.MANAGE_USERS: _ADMINISTRATORS,
        Action.MANAGE_SETTINGS: _ADMINISTRATORS,
        Action.READ_AUDIT: _ADMINISTRATORS,
        Action.ATTACH_FILES: _STAFF,
        # A client also needs the account's setting that lets clients see attachments.
        Action.READ_ATTACHMENTS: _EVERYONE,
        Action.MANAGE_TEMPLATES: _STAFF,
        Action.MANAGE_BILLING: _ADMINISTRATORS,
    }
)


def authorize(principal: Principal, action: Action) -> None:
    """Refuse `action` unless one of the principal's roles allows it."""
    if not principal.roles & POLICY[action]:
        raise PermissionDenied(actor=principal.user, action=action.value)


def may_see(principal: Principal, counterparty_id: UUID) -> bool:
    return not principal.is_client or principal.counterparty_id == counterparty_id


def require_visible(principal: Principal, owner: UUID | None, entity: str, key: object) -> None:
    """NotFound unless the object `key` names exists (`owner`, its counterparty, is not
    None) and the principal may see data of its counterparty."""
    if owner is not None and may_see(principal, owner):
        return
    refuse_lookup(principal, owner)
    raise NotFound(entity=entity, key=key)


def refuse_lookup(principal: Principal, owner: UUID | None) -> None:
    """A lookup found nothing the principal may see: for a client, note it for the audit
    log alike whether the object is missing or another counterparty's (`owner`)."""
    if principal.is_client:
        note_refused_lookup(owner)
