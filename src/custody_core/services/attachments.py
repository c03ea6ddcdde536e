"""Files attached to delivery orders; clients see them only when the account allows it."""

from __future__ import annotations

import hashlib
import re
from uuid import UUID

from custody_core.domain import codes
from custody_core.domain.attachments import MAX_ATTACHMENT_BYTES, Attachment
from custody_core.domain.checks import Checks
from custody_core.domain.errors import NotFound, PermissionDenied, Problem
from custody_core.domain.messages import expect
from custody_core.domain.orders import DeliveryOrder
from custody_core.ports.storage import UnitOfWork
from custody_core.services.authorization import Action, authorize, require_visible
from custody_core.services.context import Context
from custody_core.services.orders import visible_order

_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")
NAME_LENGTH = 255


def attach_file(
    ctx: Context, order_number: int, name: str, media_type: str, content: bytes
) -> Attachment:
    authorize(ctx.principal, Action.ATTACH_FILES)
    checks = Checks()
    name = checks.text(name, "name", NAME_LENGTH)
    media_type = checks.text(media_type, "media_type", 100)
    if media_type and not _MEDIA_TYPE.match(media_type):
        checks.add(Problem(codes.Value.INVALID, "media_type", media_type, expect("media_type")))
    if len(content) > MAX_ATTACHMENT_BYTES:
        checks.add(
            Problem(
                codes.Attachment.TOO_LARGE,
                "content",
                len(content),
                expect("at_most_bytes", count=MAX_ATTACHMENT_BYTES),
            )
        )
    checks.done()
    data = bytes(content)
    with ctx.storage.unit_of_work() as uow:
        order = visible_order(ctx, uow, order_number)
        attachment = Attachment(
            id=ctx.new_id(),
            account_id=ctx.account_id,
            order_id=order.id,
            name=name,
            media_type=media_type.lower(),
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            created_at=ctx.now(),
            created_by=ctx.principal.user,
        )
        uow.attachments.add(attachment, data)
        ctx.commit(
            uow,
            "attachment.add",
            counterparty_id=order.counterparty_id,
            target=f"order {order.number}: {name}",
        )
    return attachment


def list_attachments(ctx: Context, order_number: int) -> list[Attachment]:
    authorize(ctx.principal, Action.READ_ATTACHMENTS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        order = visible_order(ctx, uow, order_number)
        _require_setting(ctx, uow, order)
        return uow.attachments.of_order(ctx.account_id, order.id)


def attachment_content(ctx: Context, attachment_id: UUID) -> bytes:
    authorize(ctx.principal, Action.READ_ATTACHMENTS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        if ctx.principal.is_client:
            # Read like `visible_order`: nothing more of an attachment the client may not see.
            owner = uow.attachments.counterparty_of(ctx.account_id, attachment_id)
            require_visible(ctx.principal, owner, "attachment", str(attachment_id))
        attachment = uow.attachments.get(ctx.account_id, attachment_id)
        if attachment is None:
            raise NotFound(entity="attachment", key=str(attachment_id))
        order = uow.orders.get(ctx.account_id, attachment.order_id)
        assert order is not None, "an attachment's order exists"
        _require_setting(ctx, uow, order)
        content = uow.attachments.content(ctx.account_id, attachment_id)
        assert content is not None
        return content


def _require_setting(ctx: Context, uow: UnitOfWork, order: DeliveryOrder) -> None:
    """Clients read attachments only when the account's setting allows it."""
    if ctx.principal.is_client and not uow.settings.get(ctx.account_id).clients_see_attachments:
        raise PermissionDenied(
            actor=ctx.principal.user, action=Action.READ_ATTACHMENTS.value, order=order.number
        )
