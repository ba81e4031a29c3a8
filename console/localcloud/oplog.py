"""localcloud's operation log: every call it answers, whoever made it, secrets masked."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from .models import Operation

# Parameters whose value is never kept: the signature, request bodies (Secrets, tokens).
DROPPED = ("Signature", "RequestBody")
MASKED_WORDS = ("password", "secret", "token", "privatekey")
MAX_VALUE = 200
PRUNE_EVERY = 1000


def masked(flat: dict[str, str]) -> dict[str, str]:
    kept = {}
    for name, value in flat.items():
        if name in DROPPED:
            kept[name] = f"({len(value)} characters)"
        elif any(word in name.lower() for word in MASKED_WORDS):
            kept[name] = "***"
        else:
            kept[name] = value[:MAX_VALUE]
    return kept


def record(
    flat: dict[str, str], action: str, ret_code: int, company_id: int | None, source: str
) -> None:
    operation = Operation.objects.create(
        time=timezone.now(),
        public_key=flat.get("PublicKey", "")[:200],
        company_id=company_id,
        action=action[:60],
        params=masked(flat),
        ret_code=ret_code,
        source=source[:64],
    )
    if operation.pk % PRUNE_EVERY == 0:
        cutoff = timezone.now() - datetime.timedelta(days=settings.LOCALCLOUD_OPLOG_DAYS)
        Operation.objects.filter(time__lt=cutoff).delete()


def line(operation: Operation) -> str:
    """One operation as `localcloud oplog` prints it."""
    params = " ".join(f"{k}={v}" for k, v in operation.params.items() if k != "Action")
    return (
        f"{operation.time.isoformat(timespec='seconds')} {operation.source or '-'} "
        f"key={operation.public_key or '-'} company={operation.company_id or '-'} "
        f"{operation.action} RetCode={operation.ret_code} {params}"
    )
