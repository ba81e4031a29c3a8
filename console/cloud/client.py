"""CloudClient: the one way the console talks to the cloud API (async, pooled, signed)."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec
from django.utils.translation import gettext as _

from . import actions, signing
from .credentials import NoCredentials
from .models import MalformedResponse

log = logging.getLogger(__name__)


class Envelope(msgspec.Struct):
    """What every answer carries beside its model; decoded first, the rest skipped."""

    RetCode: int
    Message: Any = None


ENVELOPE = msgspec.json.Decoder(Envelope)


class CloudError(Exception):
    """The cloud answered with RetCode != 0 (or the call broke the action table locally)."""

    def __init__(self, ret_code: int, message: str, action: str, param: str = ""):
        super().__init__(f"{action}: RetCode {ret_code}: {message}")
        self.ret_code = ret_code
        self.message = message
        self.action = action
        self.param = param


class CloudUnavailable(Exception):
    """The cloud could not be reached or answered something that is not the protocol.

    `sent` says whether the request may have reached the cloud: False only when it
    certainly did not (the connection was refused, the name did not resolve, no key), so
    that a change whose answer never came is not called "nothing was changed"."""

    def __init__(self, message: str, action: str, *, sent: bool = False):
        super().__init__(f"{action}: {message}")
        self.message = message
        self.action = action
        self.sent = sent


class MaybeApplied(CloudUnavailable):
    """A change reached the cloud (or may have) and its answer never came: the cloud may
    have made it, so the page shows the object read again instead of "nothing changed"."""


# Transport errors raised before a byte of the request left: the cloud saw nothing.
NOT_SENT_ERRORS = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


# The most an answer may hold. The largest a console asks for is 5,000 log lines, or a
# Kubernetes list through ForwardCluster; far above both, far below a worker's memory.
MAX_ANSWER_BYTES = 64 * 1024 * 1024

# HTTP errors after which the call may still have been carried out: a server error, or a
# proxy whose upstream broke or timed out mid-call. 4xx and 503 are refusals up front.
ANSWERED_LATE_STATUSES = frozenset({500, 502, 504})


class _Progress:
    """How far httpx got with one request (its `trace` extension), for a timeout that
    cuts it short: over the network, the request was sent once its headers started."""

    def __init__(self) -> None:
        self.sending = False

    async def __call__(self, event: str, info: dict) -> None:
        if event.endswith("send_request_headers.started"):
            self.sending = True


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 2.0

    def delay(self, attempt: int) -> float:
        # Full jitter: concurrent retries of many pages do not arrive together.
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


class CloudClient:
    def __init__(
        self,
        base_url: str,
        public_key: str = "",
        private_key: str = "",
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        max_connections: int = 100,
        credentials: Callable[[], tuple[str, str]] | None = None,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
    ):
        self.public_key = public_key
        self.max_answer_bytes = max_answer_bytes
        self.private_key = private_key
        # Asked at each call, so a key handed over after start (localcloud seed) is used.
        self.credentials = credentials
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> CloudClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def encode(
        self, action: str, params: dict[str, Any], key: tuple[str, str] | None = None
    ) -> dict[str, str]:
        """The form body of one call: flattened, stringified and signed (by `key`, a
        (public, private) pair, instead of the client's own when given)."""
        public, private = key or (self.public_key, self.private_key)
        body = signing.flatten({"Action": action, **params})
        if public:
            body["PublicKey"] = public
            body["Signature"] = signing.signature(body, private)
        return body

    async def call(self, action: str, *, key: tuple[str, str] | None = None, **params: Any):
        """Call one action and return its typed response model.

        Raises CloudError for RetCode != 0 (and for parameters the table refuses, before
        sending), CloudUnavailable for timeouts, HTTP errors and answers that are not
        the protocol. Only idempotent reads are retried.
        """
        spec = actions.ACTIONS.get(action)
        if spec is None:
            raise CloudError(actions.NO_SUCH_ACTION, f"Unknown action {action}", action)
        try:
            cleaned = actions.validate(spec, params)
        except actions.InvalidParams as exc:
            raise CloudError(exc.ret_code, exc.message, action, exc.param) from None
        if key is None and self.credentials is not None:
            try:
                key = self.credentials()
            except NoCredentials as exc:
                raise CloudUnavailable(str(exc), action) from None
        body = self.encode(action, cleaned, key)
        attempts = self.retry.attempts if spec.idempotent else 1
        # One deadline for the call with its retries: a slow cloud shows its error within
        # CONSOLE_CLOUD_TIMEOUT, not after every attempt has used it up.
        deadline = asyncio.get_running_loop().time() + self.timeout
        for attempt in range(attempts):
            try:
                data = await self._post(action, body, deadline)
                break
            except (CloudUnavailable, CloudError) as exc:
                throttled = isinstance(exc, CloudError) and exc.ret_code == actions.TOO_FREQUENT
                if isinstance(exc, CloudError) and not throttled:
                    raise
                pause = self.retry.delay(attempt)
                left = deadline - asyncio.get_running_loop().time()
                if attempt + 1 >= attempts or pause >= left:
                    raise
                await asyncio.sleep(pause)
        try:
            if isinstance(data, bytes):
                return spec.response.decode(data)
            return spec.response.from_wire(data)
        except MalformedResponse as exc:
            raise CloudUnavailable(
                _("malformed answer: %(error)s") % {"error": exc}, action, sent=True
            ) from None

    async def _answer_of(
        self, body: dict[str, str], progress: _Progress
    ) -> tuple[httpx.Response, bytes | None]:
        """The answer and its bytes, read up to max_answer_bytes: past that (or a
        Content-Length above it) the bytes are None and the rest is never read, so a
        cloud or proxy gone wrong cannot fill this process's memory."""
        limit = self.max_answer_bytes
        request = self._http.stream("POST", "/api", data=body, extensions={"trace": progress})
        async with request as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                return response, None
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    return response, None
                chunks.append(chunk)
        return response, b"".join(chunks)

    @property
    def _traced(self) -> bool:
        # httpx's own network transport reports its progress; ASGI and mock ones do not.
        return isinstance(self._http._transport, httpx.AsyncHTTPTransport)

    @staticmethod
    def _unreachable(exc: httpx.HTTPError) -> str:
        return _("the cloud could not be reached (%(error)s)") % {"error": exc}

    async def _post(
        self, action: str, body: dict[str, str], deadline: float
    ) -> bytes | dict[str, Any]:
        """The answer of a call that succeeded: its bytes when they are plain UTF-8 JSON
        with an integer RetCode (the model is then decoded from them in one pass), else the
        decoded object."""
        progress = _Progress()
        try:
            # httpx's timeouts are per read and not applied by in-process transports;
            # this bounds the whole call.
            async with asyncio.timeout_at(deadline):
                response, content = await self._answer_of(body, progress)
        except NOT_SENT_ERRORS as exc:
            raise CloudUnavailable(self._unreachable(exc), action) from None
        except (httpx.TimeoutException, TimeoutError):
            # Cut short while connecting or waiting for a pooled connection, nothing left;
            # an in-process transport reports no progress and always delivers at once.
            sent = progress.sending or not self._traced
            raise CloudUnavailable(
                _("the cloud did not answer in time"), action, sent=sent
            ) from None
        except httpx.HTTPError as exc:
            # Read or write errors, a connection closed before the answer: it may have
            # arrived and been acted on.
            raise CloudUnavailable(self._unreachable(exc), action, sent=True) from None
        if content is None:
            limit = self.max_answer_bytes // (1024 * 1024)
            raise CloudUnavailable(
                _("the cloud's answer was larger than %(limit)s MiB") % {"limit": limit},
                action,
                sent=True,
            )
        if response.status_code >= 400:
            raise CloudUnavailable(
                _("the cloud answered HTTP %(status)s") % {"status": response.status_code},
                action,
                sent=response.status_code in ANSWERED_LATE_STATUSES,
            )
        try:
            envelope = ENVELOPE.decode(content)
        except msgspec.MsgspecError:
            pass  # not plain JSON, or an odd RetCode: the general checks below say which
        else:
            if envelope.RetCode != 0:
                message = envelope.Message
                raise CloudError(envelope.RetCode, str(message or "unknown error"), action)
            return content
        try:
            data = json.loads(content)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise CloudUnavailable(_("malformed answer: not JSON"), action, sent=True) from None
        if not isinstance(data, dict) or not isinstance(data.get("RetCode"), int):
            raise CloudUnavailable(_("malformed answer: no RetCode"), action, sent=True)
        if data["RetCode"] != 0:
            message = data.get("Message")
            raise CloudError(data["RetCode"], str(message or "unknown error"), action)
        return data
