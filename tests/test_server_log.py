"""The server log is for operators: a refusal is one line, a client that went away is
nothing."""

from __future__ import annotations

import logging
import re
import socket
import time
from urllib.parse import urlsplit

import httpx

from console.accounts.management.commands.demo_users import demo_password
from tests import servers


def test_a_refusal_is_one_line_without_a_traceback(viewer_client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert viewer_client.get("/audit/").status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in records] == [
        "Forbidden (Permission denied): /audit/: This needs the admin role."
    ]
    assert records[0].exc_info is None and "Traceback" not in caplog.text


def logged_in(server, username: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url)
    form = client.get("/accounts/login/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    client.post(
        "/accounts/login/",
        data={
            "username": username,
            "password": demo_password(username),
            "csrfmiddlewaretoken": token,
        },
        headers={"Referer": f"{server.url}/accounts/login/"},
    )
    return client


def new_log(server, start: int) -> str:
    return server.log_path.read_text()[start:]


def test_a_live_servers_refusal_is_one_line(live_console):
    client = logged_in(live_console, "viewer")
    start = len(live_console.log_path.read_text())
    assert client.get("/terminal/sessions/").status_code == 403
    log = new_log(live_console, start)
    assert "Traceback" not in log
    refusals = [line for line in log.splitlines() if line.startswith("Forbidden")]
    said = "Forbidden (Permission denied): /terminal/sessions/: This needs the admin role."
    assert refusals == [said]


def test_a_client_that_went_away_writes_nothing(tmp_path):
    # A server of its own: what an abandoned task leaves may be written only when the
    # process ends and collects it, so the whole log is read after the server stops.
    server = servers.start(tmp_path, "console")
    try:
        # Every cloud call takes 1.5 s, so a page can be left while it waits for one.
        server.manage("localcloud", "faults", "--latency-ms", "1500")
        client = logged_in(server, "operator")
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
        for path in ("/clusters/", "/", "/clusters/?q=prod"):
            with socket.create_connection((host, port)) as browser:
                browser.sendall(
                    f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n"
                    "HX-Request: true\r\n\r\n".encode()
                )
                time.sleep(0.3)  # the tab closes while the page waits for the cloud
        # Asked after them, this page's own slow call ends after theirs.
        assert client.get("/clusters/", timeout=30).status_code == 200
    finally:
        server.stop()
    log = server.log_path.read_text()
    assert "Traceback" not in log and "never retrieved" not in log
