"""The admin's list of terminal sessions and the recording player."""

from __future__ import annotations

import json

import pytest

from console.accounts.models import Role
from console.terminal.models import TerminalSession
from tests.conftest import _user, logged_in


@pytest.fixture
def recorded(operator, tmp_path):
    cast = tmp_path / "s.cast"
    cast.write_text(
        json.dumps({"version": 2, "width": 100, "height": 30})
        + "\n"
        + json.dumps([0.1, "o", "hello <b>world</b>\r\n"])
        + "\n"
    )
    return TerminalSession.objects.create(
        user=operator,
        company_id=10001,
        region="cn-bj2",
        kind="exec",
        cluster_id="uk8s-x",
        namespace="default",
        pod="<script>pod</script>",
        container="app",
        end_reason="exited with code 0",
        exit_code=0,
        recording=str(cast),
    )


def test_it_lists_the_tenants_sessions_for_an_admin(admin_user, recorded):
    html = logged_in(admin_user).get("/terminal/sessions/").content.decode()
    assert "operator" in html and "<td>exited with code 0</td>" in html  # said once
    assert "&lt;script&gt;pod&lt;/script&gt;" in html and "<script>pod" not in html


NON_ZERO = "command terminated with non-zero exit code: 5"
UNREADABLE = "the session ended with an unreadable status"
CLOSED = "the session gateway closed the connection"


@pytest.mark.parametrize(
    ("reason", "code", "shown"),
    [
        ("exited with code 0", 0, "exited with code 0"),
        (NON_ZERO, 5, NON_ZERO),
        (UNREADABLE, 1, f"{UNREADABLE} (exit 1)"),
        (CLOSED, None, CLOSED),
    ],
)
def test_it_says_the_exit_code_once(admin_user, recorded, reason, code, shown):
    TerminalSession.objects.filter(pk=recorded.pk).update(end_reason=reason, exit_code=code)
    html = logged_in(admin_user).get("/terminal/sessions/").content.decode()
    assert f"<td>{shown}</td>" in html


def test_it_refuses_the_list_and_recordings_to_an_operator(operator_client, recorded):
    assert operator_client.get("/terminal/sessions/").status_code == 403
    assert operator_client.get(f"/terminal/sessions/{recorded.pk}/cast/").status_code == 403


def test_it_hides_another_tenants_sessions(db, recorded):
    other_admin = _user("other-admin", Role.ADMIN, 10002)
    client = logged_in(other_admin)
    assert "uk8s-x" not in client.get("/terminal/sessions/").content.decode()
    assert client.get(f"/terminal/sessions/{recorded.pk}/").status_code == 404


def test_it_plays_and_downloads_a_recording(admin_user, recorded):
    client = logged_in(admin_user)
    player = client.get(f"/terminal/sessions/{recorded.pk}/").content.decode()
    assert 'data-cols="100"' in player and 'data-rows="30"' in player
    cast = client.get(f"/terminal/sessions/{recorded.pk}/cast/")
    assert cast["Content-Disposition"] == f'attachment; filename="session-{recorded.pk}.cast"'
    assert b"hello <b>world</b>" in b"".join(cast.streaming_content)
