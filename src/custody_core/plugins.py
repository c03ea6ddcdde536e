"""Plugin hooks and the plugin manager.

Adapters, built-in ones included, register through these hooks, so a
third-party backend is a first-class citizen: it declares an entry point in
group `custody_core` and implements the hooks it needs. Each hook hands the
plugin a `register` callback, and the manager validates what is registered.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import pluggy

from custody_core.domain import codes
from custody_core.domain.errors import (
    PluginError,
    Problem,
    RenderError,
    SpreadsheetError,
    StorageError,
    UnknownBackend,
    ValidationError,
)
from custody_core.domain.messages import expect

if TYPE_CHECKING:
    from custody_core.ports.auth import IdentityProvider, PasswordHasher
    from custody_core.ports.printing import FormRenderer
    from custody_core.ports.spreadsheets import SpreadsheetReader
    from custody_core.ports.storage import StorageBackend

PROJECT = "custody_core"
ENTRY_POINT_GROUP = "custody_core"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")


class StorageFactory(Protocol):
    def __call__(self, url: str, options: Mapping[str, Any]) -> StorageBackend:
        """Open the storage at `url`; raise custody errors for bad URLs or options."""
        ...


StorageRegistry = Callable[[str, StorageFactory], None]
#: Makes a password hasher from its options (such as argon2's time_cost).
HasherFactory = Callable[[Mapping[str, Any]], "PasswordHasher"]
HasherRegistry = Callable[[str, HasherFactory], None]
#: Makes an identity provider from its options.
ProviderFactory = Callable[[Mapping[str, Any]], "IdentityProvider"]
ProviderRegistry = Callable[[str, ProviderFactory], None]
#: Makes a spreadsheet reader from its options.
ReaderFactory = Callable[[Mapping[str, Any]], "SpreadsheetReader"]
ReaderRegistry = Callable[[str, ReaderFactory], None]
#: Makes a form renderer from its options.
RendererFactory = Callable[[Mapping[str, Any]], "FormRenderer"]
RendererRegistry = Callable[[str, RendererFactory], None]


class HookSpecs:
    @hookspec
    def custody_register_storage(self, register: StorageRegistry) -> None:
        """Register storage backends by URL scheme ("memory", "sqlite", "postgresql")."""

    @hookspec
    def custody_register_password_hashers(self, register: HasherRegistry) -> None:
        """Register password hashers by name ("argon2", "scrypt")."""

    @hookspec
    def custody_register_identity_providers(self, register: ProviderRegistry) -> None:
        """Register identity providers (an SSO, a directory) by name."""

    @hookspec
    def custody_register_readers(self, register: ReaderRegistry) -> None:
        """Register spreadsheet readers by name ("openpyxl", "calamine", "csv")."""

    @hookspec
    def custody_register_renderers(self, register: RendererRegistry) -> None:
        """Register form renderers by format name ("xlsx", "html", "pdf")."""


def _internal_plugins() -> list[tuple[str, object]]:
    """Built-in adapters without optional dependencies, registered before entry points."""
    from custody_core.adapters.auth import HashersPlugin
    from custody_core.adapters.printing import RenderersPlugin
    from custody_core.adapters.spreadsheets import ReadersPlugin
    from custody_core.adapters.storage.memory import MemoryPlugin
    from custody_core.adapters.storage.sqlite import SQLitePlugin

    return [
        ("custody_core.memory", MemoryPlugin()),
        ("custody_core.sqlite", SQLitePlugin()),
        ("custody_core.hashers", HashersPlugin()),
        ("custody_core.readers", ReadersPlugin()),
        ("custody_core.renderers", RenderersPlugin()),
    ]


class Plugins:
    """One plugin manager per application: internal plugins, given plugins, entry points."""

    def __init__(self, plugins: Iterable[object] = (), *, entry_points: bool = True) -> None:
        self.manager = pluggy.PluginManager(PROJECT)
        self.manager.add_hookspecs(HookSpecs)
        for name, plugin in _internal_plugins():
            self.manager.register(plugin, name=name)
        for plugin in plugins:
            name = f"{type(plugin).__module__}.{type(plugin).__qualname__}"
            try:
                self.manager.register(plugin, name=name)
            except (ValueError, pluggy.PluginValidationError) as error:
                raise PluginError(plugin=name, cause="plugin.invalid", reason=str(error)) from None
        if entry_points:
            self._load_entry_points()
        try:
            self.manager.check_pending()
        except pluggy.PluginValidationError as error:
            raise PluginError(
                plugin=str(error.plugin), cause="plugin.invalid", reason=str(error)
            ) from None
        hooks = self.manager.hook
        self.storage: dict[str, StorageFactory] = self._collect(
            hooks.custody_register_storage, "URL scheme"
        )
        self.hashers: dict[str, HasherFactory] = self._collect(
            hooks.custody_register_password_hashers, "password hasher"
        )
        self.providers: dict[str, ProviderFactory] = self._collect(
            hooks.custody_register_identity_providers, "identity provider"
        )
        self.readers: dict[str, ReaderFactory] = self._collect(
            hooks.custody_register_readers, "spreadsheet reader"
        )
        self.renderers: dict[str, RendererFactory] = self._collect(
            hooks.custody_register_renderers, "form renderer"
        )

    def _load_entry_points(self) -> None:
        for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if self.manager.get_plugin(entry_point.name) or self.manager.is_blocked(
                entry_point.name
            ):
                continue
            try:
                plugin = entry_point.load()
                self.manager.register(plugin, name=entry_point.name)
            except Exception as error:
                raise PluginError(
                    plugin=f"{entry_point.name} ({entry_point.value})",
                    cause="plugin.load_failed",
                    reason=f"{type(error).__name__}: {error}",
                ) from error

    def _collect(self, hook: Any, what: str) -> dict[str, Any]:
        """The factories plugins register through `hook`, by name; a name is taken once."""
        factories: dict[str, Any] = {}
        owners: dict[str, str] = {}

        for impl in hook.get_hookimpls():
            plugin_name = impl.plugin_name

            def register(name: str, factory: Any, plugin: str = plugin_name) -> None:
                if not isinstance(name, str) or not _SCHEME.match(name):
                    raise PluginError(
                        plugin=plugin, cause="plugin.bad_name", name=str(name), reason=what
                    )
                if not callable(factory):
                    raise PluginError(
                        plugin=plugin, cause="plugin.not_callable", name=name, reason=what
                    )
                if name in factories:
                    raise PluginError(
                        plugin=plugin,
                        cause="plugin.taken",
                        name=name,
                        owner=owners[name],
                        reason=what,
                    )
                factories[name] = factory
                owners[name] = plugin

            impl.function(register=register)
        return factories

    def open_storage(self, url: str, options: Mapping[str, Any]) -> StorageBackend:
        scheme, separator, _ = url.partition("://") if isinstance(url, str) else ("", "", "")
        if not separator or not _SCHEME.match(scheme):
            raise StorageError(codes.Storage.BAD_URL, url=url, reason="expected SCHEME://...")
        factory = self.storage.get(scheme)
        if factory is None:
            raise UnknownBackend(scheme=scheme, installed=", ".join(sorted(self.storage)))
        return factory(url, options)

    def password_hasher(self, name: str, options: Mapping[str, Any]) -> PasswordHasher:
        hasher: PasswordHasher = _made(self.hashers, name, options, "password hasher")
        return hasher

    def identity_provider(self, name: str, options: Mapping[str, Any]) -> IdentityProvider:
        provider: IdentityProvider = _made(self.providers, name, options, "identity provider")
        return provider

    def reader(
        self, name: str | None, suffix: str, options: Mapping[str, Any]
    ) -> SpreadsheetReader:
        """The reader `name` makes of `options`; with no name, the default for `suffix`.

        The default is the first registered streaming reader of the suffix, else the
        first that loads whole sheets. Choosing makes every registered reader with
        `options` to ask what it reads.
        """
        if name is not None:
            factory = self.readers.get(name)
            if factory is None:
                missing = name == "calamine"
                raise SpreadsheetError(
                    codes.Reader.UNKNOWN,
                    reader=name,
                    installed=_names(self.readers),
                    hint=" (pip install 'custody-core[calamine]')" if missing else "",
                )
            return factory(options)
        suffix = suffix.lower()
        readers = [factory(options) for factory in self.readers.values()]
        fitting = [reader for reader in readers if suffix in reader.suffixes]
        if not fitting:
            known = sorted({known for reader in readers for known in reader.suffixes})
            raise SpreadsheetError(codes.File.UNSUPPORTED, suffix=suffix, known=", ".join(known))
        return next((reader for reader in fitting if reader.streaming), fitting[0])

    def renderer(self, name: str, options: Mapping[str, Any]) -> FormRenderer:
        """The renderer of format `name`; RenderError naming the installed formats if none."""
        factory = self.renderers.get(name)
        if factory is None:
            raise RenderError(
                codes.Form.FORMAT_UNKNOWN, format=name, installed=_names(self.renderers)
            )
        renderer: FormRenderer = factory(options)
        return renderer


def _made(factories: Mapping[str, Any], name: str, options: Mapping[str, Any], what: str) -> Any:
    """What the factory registered as `name` makes of `options`; PluginError when none is."""
    factory = factories.get(name)
    if factory is None:
        raise PluginError(
            plugin=str(name), cause="plugin.unknown", installed=_names(factories), reason=what
        )
    return factory(options)


def _names(factories: Mapping[str, object]) -> str:
    return ", ".join(sorted(factories)) or "none"


def reject_unknown_options(options: Mapping[str, Any], allowed: Collection[str]) -> None:
    """A storage factory's guard: name every option it does not understand."""
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        expected = expect("option", names=sorted(allowed)) if allowed else expect("no_options")
        raise ValidationError(
            [
                Problem(codes.Value.INVALID, f"options.{name}", options[name], expected)
                for name in unknown
            ]
        )
