"""The secret that keys the purge log's pseudonyms and seals the manifests.

It lives outside the data home, so that a copy of the home cannot undo the pseudonyms: a
plain hash of a BSN is undone by trying all 10^9.
"""

import hmac
import os
import secrets
import stat
from pathlib import Path
from typing import Final

from vsig.config import Config

SECRET_ENV: Final = "VSIG_SECRET"


SECRET_FILE_ENV: Final = "VSIG_SECRET_FILE"


DEFAULT_SECRET_FILE: Final = Path("vsig.secret")


MIN_SECRET: Final = 32


class SecretError(Exception):
    """No usable secret for the purge log's keyed hashes; the message says what to do."""


def secret_path(config: Config) -> Path:
    return Path(os.environ.get(SECRET_FILE_ENV) or config.secret_file or DEFAULT_SECRET_FILE)


def load_secret(config: Config, home: Path) -> bytes:
    """The purge log's key: VSIG_SECRET, else the secret file (never inside the home)."""
    value = os.environ.get(SECRET_ENV)
    if value is None:
        path = secret_path(config)
        if path.resolve().is_relative_to(home.resolve()):
            raise SecretError(
                f"the secret file {path} lies inside the data home {home}; keep it outside, "
                "so that a copy of the home cannot undo the purge log's hashes"
            )
        try:
            _check_private(path)
            value = path.read_text(encoding="utf-8").strip()
        except OSError:
            raise SecretError(
                f"no secret: set {SECRET_ENV}, or put one in {path} (or the file named by "
                f"{SECRET_FILE_ENV} or `secret_file` in the config); `vsig samples` makes one"
            ) from None
    if len(value) < MIN_SECRET:
        raise SecretError(f"the secret is shorter than {MIN_SECRET} characters")
    return value.encode("utf-8")


def _check_private(path: Path) -> None:
    """The key is a regular file of this user's, readable by nobody else: anyone who can read
    it can undo the purge log's pseudonyms. (A FIFO would hang the run holding the lock.)"""
    about = path.stat()
    if not stat.S_ISREG(about.st_mode):
        raise SecretError(f"the secret file {path} is not a regular file")
    if about.st_uid != os.getuid() or about.st_mode & 0o077:
        raise SecretError(
            f"the secret file {path} must be this user's and readable by nobody else; "
            f"run: chmod 600 {path}"
        )


def create_secret(path: Path) -> bool:
    """Write a new random secret, readable by its owner only; False when one exists."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return True


def keyed(secret: bytes, kind: str, value: str) -> str:
    """A pseudonym for an identifier that only the secret's holder can recompute."""
    return hmac.new(secret, f"{kind}:{value}".encode(), "sha256").hexdigest()
