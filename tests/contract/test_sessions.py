"""SessionIDs from AllocateK8SSession are single use: the gateway takes one once, then
answers 1010 (used) or 1009 (unknown) in the Kubernetes exec status frame."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
import websockets
from websockets.asyncio.client import connect

from console.cloud import actions

from .conftest import REGION, assert_ok

pytestmark = pytest.mark.contract


async def exchange(url: str) -> tuple[str, dict]:
    """Run `echo $((6*7))` in a session; its output and the closing status frame."""
    output = b""
    async with connect(url, subprotocols=["v5.channel.k8s.io"]) as ws:
        # A refused session may already be closed: the send can fail, the frames the
        # gateway sent before closing are still there to read.
        with contextlib.suppress(websockets.ConnectionClosed):
            await ws.send(b"\x00echo $((6*7)); exit 0\r")
        with contextlib.suppress(websockets.ConnectionClosed):
            async with asyncio.timeout(10):
                async for frame in ws:
                    if frame[0] == 3:
                        return output.decode(errors="replace"), json.loads(frame[1:])
                    output += frame[1:]
    return output.decode(errors="replace"), {}


def test_it_accepts_a_session_once(local, pod):
    session = local.call(
        "AllocateK8SSession",
        Region=REGION,
        ClusterID=pod.ClusterID,
        NameSpace=pod.Namespace,
        PodName=pod.Pod,
        ContainerName=pod.Container,
    )
    assert_ok(session, "AllocateK8SSession")
    gateway = local.url.replace("http", "ws", 1) + "/api/session/"
    text, status = asyncio.run(exchange(gateway + session["SessionID"]))
    assert "42" in text and status["status"] == "Success"
    _, again = asyncio.run(exchange(gateway + session["SessionID"]))
    assert again["status"] == "Failure" and "expired" in again["message"]
    assert again["details"]["causes"][0]["message"] == str(actions.SESSION_EXPIRED)
    _, unknown = asyncio.run(exchange(gateway + "no-such-session"))
    assert unknown["status"] == "Failure" and "does not exist" in unknown["message"]
    assert unknown["details"]["causes"][0]["message"] == str(actions.SESSION_NOT_FOUND)
