"""How the application tells who is who: its password hasher and, optionally, an
external identity provider that authenticates instead of local passwords."""

from __future__ import annotations

import secrets

from custody_core.ports.auth import IdentityProvider, PasswordHasher


class Identity:
    def __init__(self, hasher: PasswordHasher, provider: IdentityProvider | None = None) -> None:
        self.hasher = hasher
        self.provider = provider
        #: A hash of a random password, made now rather than at the first unknown login
        #: (which would take longer than every later one): an unknown login is verified
        #: against it, so a login attempt takes as long whether the login exists or not.
        self.dummy_hash = hasher.hash(secrets.token_urlsafe(24))
