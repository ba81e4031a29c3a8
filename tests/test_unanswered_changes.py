"""A change whose answer never came may have been made: the client tells a call that
never left (connection refused) from one cut short after sending (timeout, connection
dropped, a proxy's 502/504), and the pages say "may have been applied" and show the object
read again, keeping "nothing was changed" for refusals before sending and RetCodes."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from console.audit.models import AuditEntry
from console.cloud.client import CloudClient, CloudError, CloudUnavailable, MaybeApplied
from console.localcloud.models import Cluster, Fault
from console.web import cloudcall
from tests.test_resource_pages import make_deployment

FAILURES = {
    "refused": (httpx.ConnectError("refused"), False),
    "connect-timeout": (httpx.ConnectTimeout("slow connect"), False),
    "pool-timeout": (httpx.PoolTimeout("no free connection"), False),
    "read-timeout": (httpx.ReadTimeout("slow"), True),
    "dropped": (httpx.RemoteProtocolError("Server disconnected"), True),
    "write-error": (httpx.WriteError("broken pipe"), True),
    "http-502": (httpx.Response(502), True),
    "http-504": (httpx.Response(504), True),
    "http-503": (httpx.Response(503), False),
    "html": (httpx.Response(200, text="<html>proxy</html>"), True),
}


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
async def test_the_client_says_whether_the_request_may_have_reached_the_cloud(failure):
    answer, sent = failure

    def transport(request):
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = CloudClient(
        "http://cloud.test", "pub", "secret", transport=httpx.MockTransport(transport)
    )
    async with client:
        with pytest.raises(CloudUnavailable) as raised:
            await client.call("DeleteCluster", Region="cn-bj2", ClusterID="uk8s-a")
    assert raised.value.sent is sent


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_over_a_socket_a_refused_connection_was_not_sent_and_a_silent_one_was():
    async def swallow(reader, writer):
        await reader.read(65536)  # the whole request arrives; no answer ever goes back
        await asyncio.sleep(5)

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    silent = server.sockets[0].getsockname()[1]
    try:
        for port, sent in ((_closed_port(), False), (silent, True)):
            async with CloudClient(f"http://127.0.0.1:{port}", "pub", "s", timeout=0.3) as client:
                with pytest.raises(CloudUnavailable) as raised:
                    await client.call("DeleteCluster", Region="cn-bj2", ClusterID="uk8s-a")
            assert raised.value.sent is sent, port
    finally:
        server.close()


def test_the_text_says_nothing_changed_only_when_nothing_could_have():
    refused = cloudcall.error_text(CloudUnavailable("connection refused", "UpdateCluster"))
    assert "Nothing was changed" in refused
    late = cloudcall.error_text(MaybeApplied("no answer in time", "UpdateCluster", sent=True))
    assert "may have been applied" in late and "Nothing was changed" not in late
    assert "Nothing was changed" not in cloudcall.error_text(CloudError(201, "busy", "X"))


@pytest.fixture
def slow_cloud(settings, cloud):
    """The cloud carries a change out after the console stopped waiting for it."""
    settings.CONSOLE_CLOUD_TIMEOUT = 0.2
    Fault.objects.create(pk=1, latency_ms=600)
    return Fault


def answering_again(settings) -> None:
    """The cloud answers in time again: the fault gone and the usual timeout back, so the
    page read after the unanswered change is not itself cut short (0.2 s was too little
    for a page's reads on a busy machine, and its error then said "Nothing was changed")."""
    Fault.objects.all().delete()
    settings.CONSOLE_CLOUD_TIMEOUT = 10.0


def _wait_until(check, seconds: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_change_without_an_answer_shows_the_cluster_read_again(
    operator_client, slow_cloud, settings
):
    cluster = Cluster.objects.get(name="staging-api")
    response = operator_client.post(
        f"/clusters/{cluster.cluster_id}/subnets/", {"subnet_ids": "subnet-late"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/clusters/{cluster.cluster_id}/"
    answering_again(settings)
    _wait_until(lambda: "subnet-late" in Cluster.objects.get(pk=cluster.pk).subnet_ids)
    page = operator_client.get(response["Location"]).content.decode()
    assert "may have been applied" in page and "Nothing was changed" not in page
    # The page shows what the cloud holds now, applied or not (the late call may not
    # have finished on a busy machine).
    applied = "subnet-late" in Cluster.objects.get(pk=cluster.pk).subnet_ids
    assert ("subnet-late" in page) == applied
    row = AuditEntry.objects.get(action="UpdateCluster")
    assert row.ret_code is None and "may have been applied" in row.message


def test_a_create_without_an_answer_lands_on_the_list(operator_client, slow_cloud):
    from tests.conftest import CREATE_CLUSTER_FORM

    response = operator_client.post("/clusters/new/", {**CREATE_CLUSTER_FORM, "name": "late-one"})
    assert (response.status_code, response["Location"]) == (302, "/clusters/")


def test_a_super_node_delete_without_an_answer_lands_on_the_node_list(operator_client, slow_cloud):
    cluster = Cluster.objects.get(name="prod-web")
    node = cluster.super_nodes.exclude(is_default=True).first() or cluster.super_nodes.first()
    response = operator_client.post(
        f"/clusters/{cluster.cluster_id}/nodes/{node.node_name}/delete/",
        {"confirm_name": node.node_name},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/clusters/{cluster.cluster_id}/nodes/"


def test_a_kube_object_delete_without_an_answer_says_it_may_be_gone(
    operator_client, cloud, settings
):
    cluster = Cluster.objects.get(name="prod-web")
    make_deployment(cluster)
    settings.CONSOLE_CLOUD_TIMEOUT = 0.2
    Fault.objects.create(pk=1, latency_ms=600)
    base = f"/clusters/{cluster.cluster_id}/k8s/"
    response = operator_client.post(f"{base}deployments/default/shop/delete/", {"confirm": "shop"})
    assert response.status_code == 302
    answering_again(settings)
    page = operator_client.get(response["Location"]).content.decode()
    # The list (read again) says whether it went; the message no longer says it did not.
    assert "may have been applied" in page and "was not deleted" not in page


def test_a_refused_change_still_says_nothing_was_changed(operator_client, cloud):
    Fault.objects.create(pk=1, error_rate=1.0, error_kind="http")  # 503: refused up front
    cluster = Cluster.objects.get(name="prod-web")
    response = operator_client.post(
        f"/clusters/{cluster.cluster_id}/eip/detach/", {"confirm": "yes"}
    )
    Fault.objects.all().delete()
    page = operator_client.get(response["Location"]).content.decode()
    assert "Nothing was changed" in page and "may have been applied" not in page
    assert Cluster.objects.get(pk=cluster.pk).eip_id == "eip-prodweb1"
