"""localcloud's API keys: made at random per install, private halves sealed at rest.

No key value lives in the repository. The private halves are sealed with this install's
master key (`LOCALCLOUD_MASTER_KEY`, or a file made once in `LOCALCLOUD_WORK_DIR`), so a
copy of the database alone does not sign anything. Values this project once published
are refused wherever they turn up.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from console import installsecret

from .models import ApiKey, Tenant

# Every key value the repository ever held (settings and seed defaults before keys were
# made per install): anyone can read them, so none of them may authenticate.
PUBLISHED = frozenset(
    {
        "console-demo-admin-key",
        "console-demo-private-key-change-me",
        "acme-tenant-key",
        "acme-tenant-secret",
        "globex-tenant-key",
        "globex-tenant-secret",
    }
)
# A private key shorter than this is guessable, so it is refused like a published one.
MIN_PRIVATE_LENGTH = 24


class RefusedKey(ValueError):
    """A key pair that must never be stored: published, or too short to be secret."""


def check_pair(public: str, private: str) -> None:
    if public in PUBLISHED or private in PUBLISHED:
        raise RefusedKey("this key was published in the project's repository; make a new one")
    if len(private) < MIN_PRIVATE_LENGTH:
        raise RefusedKey(f"a private key needs at least {MIN_PRIVATE_LENGTH} characters")
    if not public:
        raise RefusedKey("a public key is needed")


def new_pair() -> tuple[str, str]:
    return f"lc-{secrets.token_hex(12)}", secrets.token_urlsafe(32)


# Sealing -------------------------------------------------------------------------


def _master_key_file() -> Path:
    return Path(settings.LOCALCLOUD_WORK_DIR) / "master.key"


def _master_key() -> bytes:
    configured = settings.LOCALCLOUD_MASTER_KEY
    if configured:
        return configured.encode()
    return _master_key_in(_master_key_file())


@functools.lru_cache(maxsize=4)
def _master_key_in(path: Path) -> bytes:
    return installsecret.read_or_create(path, lambda: Fernet.generate_key().decode()).encode()


@functools.lru_cache(maxsize=4)
def _fernet(master: bytes) -> Fernet:
    try:
        return Fernet(master)
    except ValueError:
        # A passphrase rather than a Fernet key: derive one from it.
        digest = hashlib.sha256(b"localcloud-master:" + master).digest()
        return Fernet(base64.urlsafe_b64encode(digest))


def seal(private: str) -> str:
    return _fernet(_master_key()).encrypt(private.encode()).decode()


# Cached: every call to /api verifies a signature with the caller's private key.
@functools.lru_cache(maxsize=256)
def _unseal(sealed: str, master: bytes) -> str | None:
    try:
        return _fernet(master).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def private_of(key: ApiKey) -> str | None:
    """The private half of a stored key; None when it was sealed by another master key."""
    return _unseal(key.private_key_sealed, _master_key())


# Issuing -------------------------------------------------------------------------


def store(tenant: Tenant, public: str, private: str, *, is_admin: bool = False) -> ApiKey:
    check_pair(public, private)
    return ApiKey.objects.create(
        tenant=tenant, public_key=public, private_key_sealed=seal(private), is_admin=is_admin
    )


def issue(tenant: Tenant, *, is_admin: bool = False) -> tuple[str, str]:
    """A new random key pair for the tenant; the private half is returned once, sealed."""
    public, private = new_pair()
    store(tenant, public, private, is_admin=is_admin)
    return public, private


def pair_of(key: ApiKey) -> tuple[str, str]:
    private = private_of(key)
    if private is None:
        raise RefusedKey(
            "the stored key cannot be unsealed with this install's master key "
            f"({_master_key_file()} or LOCALCLOUD_MASTER_KEY)"
        )
    return key.public_key, private


def admin_pair() -> tuple[str, str] | None:
    key = ApiKey.objects.filter(is_admin=True).order_by("pk").first()
    return pair_of(key) if key else None


def tenant_pair(company_id: int) -> tuple[str, str] | None:
    """The demo tenant's own (non-admin) key."""
    key = (
        ApiKey.objects.filter(tenant__company_id=company_id, is_admin=False).order_by("pk").first()
    )
    return pair_of(key) if key else None


def shell_lines(pair: tuple[str, str]) -> str:
    """The pair as lines a shell, an SDK script or the console (CONSOLE_KEY_FILE) reads."""
    public, private = pair
    return f"CONSOLE_PUBLIC_KEY={public}\nCONSOLE_PRIVATE_KEY={private}\n"


def write_console_key_file(pair: tuple[str, str]) -> Path:
    """Hand the console its admin key: a file only this install's user may read."""
    path = Path(settings.CONSOLE_KEY_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(shell_lines(pair))
    os.replace(draft, path)
    return path
