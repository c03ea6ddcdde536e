"""The default id factory: version 7 UUIDs whose first 48 bits are the Unix milliseconds."""

from __future__ import annotations

import time
import uuid

import custody_core
from custody_core import Principal
from custody_core.services.identifiers import time_ordered_id


def test_an_id_is_a_version_7_uuid_stamped_with_the_millisecond_it_was_made() -> None:
    before = time.time_ns() // 1_000_000
    made = time_ordered_id()
    after = time.time_ns() // 1_000_000
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert before <= made.int >> 80 <= after


def test_ids_made_in_later_milliseconds_sort_after_earlier_ones_and_none_repeats() -> None:
    first = [time_ordered_id() for _ in range(5_000)]
    time.sleep(0.002)
    later = [time_ordered_id() for _ in range(5_000)]
    assert max(first) < min(later)
    assert len(set(first + later)) == 10_000
    # 74 random bits: among 10,000 ids no two share their random part.
    random_parts = {made.int & ((1 << 62) - 1) | (made.int >> 64 & 0xFFF) << 62 for made in first}
    assert len(random_parts) == 5_000


def test_the_application_stamps_new_aggregates_with_time_ordered_ids() -> None:
    with custody_core.open("memory://", entry_points=False) as app:
        account = app.create_account("acme", "Acme")
        office = app.back_office(Principal.manager(account.id, "boss"))
        counterparty = office.add_counterparty("C1", "Client")
    assert account.id.version == 7
    assert counterparty.id.version == 7
    assert account.id.int >> 80 <= counterparty.id.int >> 80
