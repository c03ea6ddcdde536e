"""The storage conformance suite: every backend, built in or third-party, must pass it.

`StorageConformance` is the whole suite. Subclass it in a test module (name the
subclass `Test...`) and override the `make_storage` fixture to return a callable that
opens a fresh, empty backend on each call:

    class TestMyBackend(StorageConformance):
        @pytest.fixture
        def make_storage(self, tmp_path):
            return lambda: MyStorage(f"mine:///{tmp_path / uuid4().hex}")

The suite is composed of one mixin class per area, in a module each; `ConformanceBase`
holds the fixtures they all take, and `UnitOfWorkConformance` the tests of the unit of
work every area stands on. A suite of some areas is the base, the units and those
areas' mixins (`AREAS` has them by name):

    class TestMyBackend(ConformanceBase, UnitOfWorkConformance, AccessConformance):
        ...
"""

from __future__ import annotations

from custody_core.testing.conformance.access import AccessConformance
from custody_core.testing.conformance.catalog import CatalogConformance
from custody_core.testing.conformance.custody import CustodyConformance
from custody_core.testing.conformance.documents import DocumentsConformance
from custody_core.testing.conformance.forms import FormsConformance
from custody_core.testing.conformance.isolation import IsolationConformance
from custody_core.testing.conformance.ledger import LedgerConformance
from custody_core.testing.conformance.orders import OrdersConformance
from custody_core.testing.conformance.periods import PeriodsConformance
from custody_core.testing.conformance.registry import RegistryConformance
from custody_core.testing.conformance.units import UnitOfWorkConformance
from custody_core.testing.conformance.world import ConformanceBase, StorageMaker

#: Each area's mixin by the area's name. The units of work are no area: every suite
#: runs them.
AREAS: dict[str, type] = {
    "custody": CustodyConformance,
    "access": AccessConformance,
    "registry": RegistryConformance,
    "forms": FormsConformance,
}


class StorageConformance(
    ConformanceBase,
    UnitOfWorkConformance,
    CustodyConformance,
    AccessConformance,
    RegistryConformance,
    FormsConformance,
):
    """Behaviour every storage backend must have: every area. Override `make_storage`."""


__all__ = [
    "AREAS",
    "AccessConformance",
    "CatalogConformance",
    "ConformanceBase",
    "CustodyConformance",
    "DocumentsConformance",
    "FormsConformance",
    "IsolationConformance",
    "LedgerConformance",
    "OrdersConformance",
    "PeriodsConformance",
    "RegistryConformance",
    "StorageConformance",
    "StorageMaker",
    "UnitOfWorkConformance",
]
