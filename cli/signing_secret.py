"""The URL signing key a data dir keeps when URL_SIGNING_SECRET is not set (development).

The commands that run the product (`dev`, `api`, `worker`) create it before anything reads it;
settings only read it. An API and a worker starting together both try: the first one's key is
the one kept, so every process signs and checks image URLs with the same key.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile

from infra.settings import Settings


def keep_signing_secret(settings: Settings) -> None:
    """Create the data dir's signing key unless URL_SIGNING_SECRET is set or it exists."""
    if settings.url_signing_secret:
        return
    path = settings.signing_secret_path
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
        # Whole, and only if absent (a reader never sees half a key); when another process
        # started at the same moment, its key is the one kept.
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        os.unlink(draft)
