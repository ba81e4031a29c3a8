"""A user's side of the scale-out tests: log in with the form, post with the CSRF token,
listen on the live socket."""

from __future__ import annotations

import asyncio
import json
import re
import time

import httpx
import pytest
import websockets

from console.accounts.demo_logins import demo_password


def log_in(base_url: str, username: str = "operator") -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=20)
    page = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    done = client.post(
        "/accounts/login/",
        data={
            "username": username,
            "password": demo_password(username),
            "csrfmiddlewaretoken": token,
        },
    )
    assert done.status_code == 302, done.text[:500]
    return client


def csrf_token(client: httpx.Client, path: str) -> str:
    return re.search(r'"x-csrftoken": "([^"]+)"', client.get(path).text)[1]


def running_cluster(client: httpx.Client) -> str:
    page = client.get("/clusters/")
    return re.search(r'data-cluster-id="([^"]+)" data-status="Running"', page.text)[1]


async def events_until(socket, wanted, seconds: float = 15.0) -> list[dict]:
    """Read pushed events until one satisfies `wanted`; fail after `seconds`."""
    seen: list[dict] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            raw = await asyncio.wait_for(socket.recv(), deadline - time.monotonic())
        except TimeoutError:
            break
        seen.append(json.loads(raw))
        if wanted(seen[-1]):
            return seen
    pytest.fail(f"no matching event within {seconds} s; saw {seen}")


def live_socket(base_url: str, client: httpx.Client):
    """The live page socket at base_url, logged in as client is, from the page's origin."""
    ws_url = base_url.replace("http://", "ws://") + "/ws/live/"
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return websockets.connect(ws_url, origin=base_url, additional_headers={"Cookie": cookie})
