"""Encrypting secrets at rest (tenants' private keys) with Fernet. The key comes from
CONSOLE_ENCRYPTION_KEY, or is derived from SECRET_KEY when that is not set."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    configured = settings.CONSOLE_ENCRYPTION_KEY
    if configured:
        return Fernet(configured.encode())
    digest = hashlib.sha256(("console-secretbox:" + settings.SECRET_KEY).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def open_sealed(token: str) -> str:
    """The secret, or ValueError when it was sealed with another key."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("the stored key cannot be decrypted with this encryption key") from None
