"""Who may do what: one policy table, checked by every use case.

A client principal is confined to its own counterparty. Asking for another
counterparty's object yields the same NotFound as asking for a missing one,
so a client cannot even learn what exists outside its own data.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from uuid import UUID

from custody_core.domain.errors import NotFound, PermissionDenied
from custody_core.domain.principal import Principal, Role


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


def require_visible(principal: Principal, counterparty_id: UUID, entity: str, key: object) -> None:
    """NotFound unless the principal may see data of `counterparty_id`."""
    if not may_see(principal, counterparty_id):
        raise hidden(entity, key, counterparty_id)


def hidden(entity: str, key: object, owner: UUID) -> NotFound:
    """The NotFound a principal gets for an object of a counterparty it may not see: the
    same code and details as for a missing object, marked for the audit log only."""
    error = NotFound(entity=entity, key=key)
    error.hidden_owner = owner
    return error
