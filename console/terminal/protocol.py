"""Frames between the browser and the console's terminal socket: one type byte, then data.

Browser -> console: INPUT (typed bytes), RESIZE ({"cols", "rows"}), ACK (decimal count
of bytes xterm.js has written), PING. Console -> browser: OUTPUT, STATUS ({"state",
"message", "exitCode"}), PING. Upstream (the session gateway) speaks the Kubernetes
channel protocol instead: see console/localcloud/gateway.py.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext_noop

OUTPUT = INPUT = 0
RESIZE = 1
ACK = 2
STATUS = 3
PING = 4

# Kubernetes channels (v5.channel.k8s.io) on the upstream socket.
K8S_STDIN, K8S_STDOUT, K8S_STDERR, K8S_STATUS, K8S_RESIZE = 0, 1, 2, 3, 4

# Flow control: stop reading upstream above HIGH unacknowledged bytes, resume below LOW.
HIGH_WATER = 1024 * 1024
LOW_WATER = 256 * 1024
# A resize is {"cols": ..., "rows": ...}; a longer frame (a JSON bomb) is ignored.
MAX_RESIZE_FRAME = 256


def status(state: str, message: str = "", exit_code: int | None = None) -> bytes:
    body = {"state": state, "message": message}
    if exit_code is not None:
        body["exitCode"] = exit_code
    return bytes([STATUS]) + json.dumps(body).encode()


def exit_code_of(status_json: bytes) -> tuple[int, str]:
    """Exit code and message from a Kubernetes Status object (channel 3)."""
    try:
        body = json.loads(status_json)
    except ValueError:
        # Recorded in English; pages translate it (TerminalSession.translated_reason).
        return 1, gettext_noop("the session ended with an unreadable status")
    if body.get("status") == "Success":
        return 0, ""
    code = 1
    for cause in (body.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            try:
                code = int(cause.get("message", 1))
            except ValueError:
                code = 1
    return code, str(body.get("message", ""))
