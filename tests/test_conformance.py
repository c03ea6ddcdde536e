"""The built-in backends pass the public storage conformance suite."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from uuid import uuid4

import pytest

from custody_core.adapters.storage.memory import MemoryStorage
from custody_core.adapters.storage.sqlite import open_sqlite
from custody_core.testing.conformance import (
    AREAS,
    AccessConformance,
    ConformanceBase,
    CustodyConformance,
    StorageConformance,
    StorageMaker,
    UnitOfWorkConformance,
)


class TestMemory(StorageConformance):
    @pytest.fixture
    def make_storage(self) -> StorageMaker:
        return MemoryStorage


class TestSQLite(StorageConformance):
    @pytest.fixture
    def make_storage(self, tmp_path: Path) -> StorageMaker:
        return lambda: open_sqlite(f"sqlite:///{tmp_path / uuid4().hex}.sqlite", {})


#: The suite's tests by area: the 43 of the single module the areas were split from.
TESTS_BY_AREA = {
    "units": {
        "test_a_unit_of_work_rolls_back_unless_committed",
        "test_an_exception_rolls_back_everything",
        "test_units_of_work_do_not_nest",
        "test_a_read_only_unit_reads_what_was_committed",
        "test_a_read_only_unit_refuses_every_write_and_changes_nothing",
        "test_numbers_apart_are_never_given_twice",
        "test_order_numbers_are_taken_one_or_a_block_at_a_time",
    },
    "custody": {
        "test_reference_data_round_trips",
        "test_contract_main_flag_can_move",
        "test_receipts_round_trip_and_duplicates_are_refused",
        "test_shipments_round_trip_with_refused_lines_and_pages",
        "test_a_document_is_reversed_once",
        "test_a_reversed_document_is_read_with_its_reversal_and_lists_filter_on_it",
        "test_orders_round_trip_with_versions_and_numbers",
        "test_an_order_confirmed_again_keeps_its_earlier_confirmation",
        "test_ledger_appends_movements_and_keeps_balances",
        "test_movements_are_found_by_date_then_posting_and_paged",
        "test_movements_are_found_in_posting_order_whatever_their_dates_and_instants",
        "test_totals_are_the_movements_summed_per_key_kind_and_order",
        "test_the_ledger_invariants_hold_under_random_use",
        "test_snapshots_store_positions_and_take_late_movements",
        "test_closing_months_stores_what_the_python_fold_gives",
        "test_nothing_is_found_through_another_account",
        "test_the_counterparty_of_an_order_shipment_or_attachment_is_found_alone",
        "test_clients_see_and_touch_only_their_own_counterparty",
    },
    "access": {
        "test_users_round_trip_and_are_found_by_login_and_external_id",
        "test_a_taken_login_or_external_id_is_refused",
        "test_saving_a_user_is_checked_against_its_version",
        "test_connection_cards_round_trip_one_per_user_and_login",
        "test_settings_default_until_put",
        "test_attachments_keep_their_exact_bytes",
        "test_the_audit_log_appends_in_order_and_is_found_by_filters",
        "test_a_rolled_back_unit_leaves_no_user_or_audit_entry",
        "test_login_attempts_start_at_zero_and_are_changed_in_place",
        "test_concurrent_changes_of_login_attempts_lose_nothing",
    },
    "registry": {
        "test_orders_keep_registry_attributes_and_external_numbers_are_unique",
        "test_adding_many_orders_is_adding_them_one_by_one",
        "test_registry_templates_round_trip_per_account",
        "test_imports_are_found_by_content_hash_oldest_first",
        "test_imports_of_one_counterparty_wait_for_each_other",
    },
    "forms": {
        "test_requisites_round_trip_per_party",
        "test_tariffs_are_kept_per_counterparty_and_as_the_default",
        "test_form_numbers_run_per_kind_and_year_and_are_never_taken_twice",
    },
}


def _tests_of(suite: type) -> set[str]:
    return {name for name in dir(suite) if name.startswith("test_")}


def _suite(*mixins: type) -> type:
    """A suite of the base and `mixins`, as a backend's test module writes it."""
    return type("TestSuite", (ConformanceBase, *mixins), {})


def test_the_full_suite_is_the_units_and_every_area_and_loses_no_test() -> None:
    assert AREAS.keys() == TESTS_BY_AREA.keys() - {"units"}
    full = _tests_of(StorageConformance)
    assert len(full) == 43
    assert full == set().union(*TESTS_BY_AREA.values())
    mixins = [UnitOfWorkConformance, *AREAS.values()]
    assert StorageConformance.__bases__ == (ConformanceBase, *mixins)
    assert _tests_of(_suite(*mixins)) == full
    counts = Counter(name for mixin in mixins for name in _tests_of(mixin))
    assert set(counts.values()) == {1}, "a test is in two areas"


@pytest.mark.parametrize("area", list(TESTS_BY_AREA))
def test_a_suite_of_one_area_holds_that_areas_tests_alone(area: str) -> None:
    suite = _suite(AREAS.get(area, UnitOfWorkConformance))
    assert _tests_of(suite) == TESTS_BY_AREA[area]
    assert issubclass(suite, ConformanceBase)
    assert suite.state_machine_examples is None  # the base's, for the areas' state machines


def test_custodys_parts_are_mixins_of_their_own() -> None:
    parts = CustodyConformance.__bases__
    assert len(parts) == 6
    assert all(_tests_of(part) and not issubclass(part, ConformanceBase) for part in parts)
    counts = Counter(name for part in parts for name in _tests_of(part))
    assert set(counts) == TESTS_BY_AREA["custody"]
    assert set(counts.values()) == {1}


def test_a_suite_of_some_areas_runs_on_its_own() -> None:
    class TestMemoryAccess(ConformanceBase, UnitOfWorkConformance, AccessConformance):
        @pytest.fixture
        def make_storage(self) -> StorageMaker:
            return MemoryStorage

    assert _tests_of(TestMemoryAccess) == TESTS_BY_AREA["units"] | TESTS_BY_AREA["access"]
    suite, storage = TestMemoryAccess(), MemoryStorage()
    suite.test_a_unit_of_work_rolls_back_unless_committed(storage)
    suite.test_settings_default_until_put(storage)
    suite.test_a_taken_login_or_external_id_is_refused(storage)
