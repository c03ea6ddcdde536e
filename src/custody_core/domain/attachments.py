"""Files attached to delivery orders (photos of the goods, signed papers)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from attrs import frozen

#: The default ceiling of one attachment's size.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


@frozen
class Attachment:
    """An attachment's description; its content is read separately, only when asked for."""

    id: UUID
    account_id: UUID
    order_id: UUID
    name: str
    media_type: str
    size: int
    #: Hex SHA-256 of the content, so a reader can tell the bytes arrived whole.
    sha256: str
    created_at: datetime
    created_by: str
