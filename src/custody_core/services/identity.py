"""How the application tells who is who: its password hasher and, optionally, an
external identity provider that authenticates instead of local passwords."""

from __future__ import annotations

import functools
import secrets

from custody_core.ports.auth import IdentityProvider, PasswordHasher


class Identity:
    def __init__(self, hasher: PasswordHasher, provider: IdentityProvider | None = None) -> None:
        self.hasher = hasher
        self.provider = provider

    @functools.cached_property
    def dummy_hash(self) -> str:
        """A hash of a random password: an unknown login is verified against it, so a
        login attempt takes as long whether the login exists or not."""
        return self.hasher.hash(secrets.token_urlsafe(24))
