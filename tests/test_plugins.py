"""Backends are found through pluggy, built-in ones included; plugin failures are named."""

from __future__ import annotations

from pathlib import Path

import pytest

import custody_core
from custody_core.adapters.storage.memory import MemoryStorage
from custody_core.domain.errors import PluginError, StorageError, UnknownBackend, ValidationError
from custody_core.plugins import HookSpecs, Plugins, StorageRegistry, hookimpl


class ScratchPlugin:
    @hookimpl
    def custody_register_storage(self, register: StorageRegistry) -> None:
        register("scratch", lambda url, options: MemoryStorage(url))


def write_distribution(root: Path, name: str, entry_points: str, module: str | None = None) -> None:
    """An installed distribution on `root` as importlib.metadata finds it."""
    info = root / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[custody_core]\n{entry_points}\n")
    if module is not None:
        (root / f"{name}.py").write_text(module)


def test_built_in_backends_register_through_the_hooks() -> None:
    assert set(Plugins(entry_points=False).storage) == {"memory", "sqlite"}


def test_an_unknown_scheme_lists_the_installed_backends() -> None:
    with pytest.raises(UnknownBackend) as raised:
        custody_core.open("mongodb://localhost/x", entry_points=False)
    assert raised.value.details["installed"] == "memory, sqlite"
    assert "mongodb" in raised.value.message("en")


@pytest.mark.parametrize("url", ["custody.sqlite", "", "://nothing", "1abc://x"])
def test_a_malformed_url_is_refused(url: str) -> None:
    with pytest.raises(StorageError) as raised:
        custody_core.open(url, entry_points=False)
    assert raised.value.code == "storage.bad_url"


def test_a_plugin_object_adds_a_backend() -> None:
    with custody_core.open("scratch://", plugins=[ScratchPlugin()], entry_points=False) as app:
        app.create_account("acme", "ACME")
        assert app.account("acme").name == "ACME"


def test_a_scheme_registered_twice_is_refused_naming_the_plugin() -> None:
    class Impostor:
        @hookimpl
        def custody_register_storage(self, register: StorageRegistry) -> None:
            register("sqlite", lambda url, options: MemoryStorage(url))

    with pytest.raises(PluginError) as raised:
        Plugins([Impostor()], entry_points=False)
    assert raised.value.details == {
        "plugin": f"{__name__}.{Impostor.__qualname__}",
        "cause": "plugin.taken",
        "name": "sqlite",
        "owner": "custody_core.sqlite",
    }
    assert raised.value.message("ru") == (
        f"Ошибка плагина {__name__}.{Impostor.__qualname__}:"
        " имя «sqlite» уже зарегистрировано плагином custody_core.sqlite"
    )


@pytest.mark.parametrize("scheme", ["Bad Scheme", "", "ütf"])
def test_a_bad_scheme_is_refused(scheme: str) -> None:
    class Sloppy:
        @hookimpl
        def custody_register_storage(self, register: StorageRegistry) -> None:
            register(scheme, lambda url, options: MemoryStorage(url))

    with pytest.raises(PluginError):
        Plugins([Sloppy()], entry_points=False)


def test_a_misspelled_hook_fails_loudly() -> None:
    class Misspelled:
        @hookimpl
        def custody_register_storag(self, register: StorageRegistry) -> None:
            """Never called: the name matches no hook."""

    with pytest.raises(PluginError):
        Plugins([Misspelled()], entry_points=False)


def test_an_entry_point_plugin_is_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = (
        "from custody_core import hookimpl\n"
        "from custody_core.adapters.storage.memory import MemoryStorage\n"
        "@hookimpl\n"
        "def custody_register_storage(register):\n"
        "    register('viaentry', lambda url, options: MemoryStorage(url))\n"
    )
    write_distribution(tmp_path, "custody_viaentry", "viaentry = custody_viaentry", module)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "viaentry" in Plugins().storage


def test_a_plugin_that_fails_to_load_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_distribution(tmp_path, "custody_broken", "broken = custody_broken_missing:plugin")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginError) as raised:
        custody_core.open("memory://")
    assert "broken (custody_broken_missing:plugin)" in raised.value.message("en")
    assert raised.value.details["cause"] == "plugin.load_failed"
    # the loader's own words are for the operator's logs, not for the message
    assert "ModuleNotFoundError" in raised.value.diagnostic["reason"]
    assert "ModuleNotFoundError" not in raised.value.message("ru")


def test_entry_points_can_be_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_distribution(tmp_path, "custody_broken", "broken = custody_broken_missing:plugin")
    monkeypatch.syspath_prepend(str(tmp_path))
    custody_core.open("memory://", entry_points=False).close()


def test_backends_refuse_options_they_do_not_know() -> None:
    with pytest.raises(ValidationError) as raised:
        custody_core.open("memory://", entry_points=False, pool_size=3)
    assert [p.field for p in raised.value.problems] == ["options.pool_size"]


def test_every_hook_is_documented() -> None:
    plugins_doc = (Path(__file__).parent.parent / "docs" / "plugins.md").read_text(encoding="utf-8")
    hooks = [name for name in vars(HookSpecs) if name.startswith("custody_")]
    assert hooks
    for hook in hooks:
        assert f"`{hook}" in plugins_doc, f"{hook} is not documented in docs/plugins.md"
