"""CloudClient: encoding and signing, typed answers, error classes, retries of reads only."""

from __future__ import annotations

from urllib.parse import parse_qsl

import httpx
import pytest

from console.cloud import actions
from console.cloud.client import CloudClient, CloudError, CloudUnavailable, RetryPolicy
from console.cloud.models import DescribeClusterResponse
from console.cloud.signing import verify

FAST = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.002)


class Recorder:
    """A transport that answers from a list and keeps every request it saw."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def form(self, i: int = 0) -> dict[str, str]:
        return dict(parse_qsl(self.requests[i].content.decode()))


def ok(**fields) -> httpx.Response:
    return httpx.Response(200, json={"RetCode": 0, "Message": "", **fields})


def client_for(recorder: Recorder) -> CloudClient:
    return CloudClient(
        "http://cloud.test", "pub", "secret", transport=httpx.MockTransport(recorder), retry=FAST
    )


async def test_it_flattens_arrays_and_signs_every_call():
    recorder = Recorder(ok(TotalCount=0, Infos=[]))
    async with client_for(recorder) as client:
        await client.call("DescribeCluster", Region="cn-bj2", ClusterIDs=["uk8s-a", "uk8s-b"])
    form = recorder.form()
    assert form["Action"] == "DescribeCluster"
    assert form["ClusterIDs.0"] == "uk8s-a" and form["ClusterIDs.1"] == "uk8s-b"
    assert form["PublicKey"] == "pub"
    assert verify(form, "secret")


async def test_it_returns_the_typed_model():
    recorder = Recorder(ok(TotalCount=1, Infos=[{"Name": "web", "MaxCPU": 8, "Tags": []}]))
    async with client_for(recorder) as client:
        result = await client.call("DescribeCluster", Region="cn-bj2")
    assert isinstance(result, DescribeClusterResponse)
    assert result.TotalCount == 1 and result.Infos[0].Name == "web"
    assert result.Infos[0].MaxCPU == 8


async def test_it_reads_nulls_and_integral_floats_as_the_models_allow():
    recorder = Recorder(ok(TotalCount=None, Infos=[{"Name": None, "MaxCPU": 8.0}]))
    async with client_for(recorder) as client:
        result = await client.call("DescribeCluster", Region="cn-bj2")
    assert result.TotalCount == 0
    assert result.Infos[0].Name == "" and result.Infos[0].MaxCPU == 8


async def test_it_refuses_a_call_that_breaks_the_table_before_sending():
    recorder = Recorder(ok())
    async with client_for(recorder) as client:
        with pytest.raises(CloudError) as missing:
            await client.call("DeleteCluster", Region="cn-bj2")
        with pytest.raises(CloudError) as wrong_type:
            await client.call("DescribeCluster", Region="cn-bj2", Limit="many")
    assert missing.value.ret_code == actions.MISSING_PARAM
    assert missing.value.param == "ClusterID"
    assert wrong_type.value.ret_code == actions.BAD_FORMAT
    assert recorder.requests == []


async def test_it_raises_cloud_error_with_the_message_for_a_retcode():
    recorder = Recorder(httpx.Response(200, json={"RetCode": 200, "Message": "no such cluster"}))
    async with client_for(recorder) as client:
        with pytest.raises(CloudError) as raised:
            await client.call("DeleteCluster", Region="cn-bj2", ClusterID="uk8s-x")
    assert (raised.value.ret_code, raised.value.message) == (200, "no such cluster")


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(503, text="busy"),
        httpx.Response(200, text="<html>proxy</html>"),
        httpx.Response(200, json=["not", "an", "object"]),
        httpx.Response(200, json={"RetCode": 0, "TotalCount": "lots", "Infos": []}),
        httpx.Response(200, json={"RetCode": 0, "Infos": [{"ClusterID": 7}]}),
        httpx.Response(200, json={"Message": "", "Infos": []}),
        httpx.Response(200, json={"RetCode": "0", "Infos": []}),
        httpx.ReadTimeout("slow"),
        httpx.ConnectError("refused"),
    ],
    ids=[
        "http-503",
        "html",
        "json-array",
        "wrong-field-type",
        "wrong-nested-type",
        "no-retcode",
        "string-retcode",
        "timeout",
        "refused",
    ],
)
async def test_it_raises_cloud_unavailable_for_anything_not_the_protocol(answer):
    recorder = Recorder(answer)
    async with client_for(recorder) as client:
        with pytest.raises(CloudUnavailable):
            await client.call("DescribeCluster", Region="cn-bj2")


async def test_it_retries_a_read_and_succeeds():
    recorder = Recorder(httpx.Response(503), httpx.ReadTimeout("x"), ok(TotalCount=0, Infos=[]))
    async with client_for(recorder) as client:
        result = await client.call("DescribeCluster", Region="cn-bj2")
    assert result.TotalCount == 0
    assert len(recorder.requests) == 3


async def test_it_retries_a_throttled_read():
    throttled = httpx.Response(200, json={"RetCode": 199, "Message": "too frequent"})
    recorder = Recorder(throttled, ok(TotalCount=0, Infos=[]))
    async with client_for(recorder) as client:
        await client.call("DescribeCluster", Region="cn-bj2")
    assert len(recorder.requests) == 2


async def test_it_never_retries_a_change():
    recorder = Recorder(httpx.Response(503), ok(ClusterID="uk8s-new"))
    async with client_for(recorder) as client:
        with pytest.raises(CloudUnavailable):
            await client.call("DeleteCluster", Region="cn-bj2", ClusterID="uk8s-a")
    assert len(recorder.requests) == 1


async def test_it_gives_up_after_the_last_attempt():
    recorder = Recorder(httpx.Response(503))
    async with client_for(recorder) as client:
        with pytest.raises(CloudUnavailable):
            await client.call("DescribeCluster", Region="cn-bj2")
    assert len(recorder.requests) == FAST.attempts


async def test_it_sends_booleans_as_true_and_false():
    recorder = Recorder(ok(TotalCount=0, Infos=[]))
    async with client_for(recorder) as client:
        await client.call(
            "GetContainerLogs",
            Region="r",
            ClusterID="c",
            Namespace="n",
            Pod="p",
            Container="x",
            NotInCluster=True,
        )
    assert recorder.form()["NotInCluster"] == "true"


@pytest.mark.parametrize("declared", [True, False], ids=["with a length", "streamed"])
async def test_it_stops_reading_an_answer_past_its_size_limit(declared):
    huge = b'{"RetCode": 0, "Infos": [' + b'{"Name": "x"},' * 100_000 + b"{}]}"

    async def pieces():
        for start in range(0, len(huge), 4096):
            yield huge[start : start + 4096]

    def answer(request):
        if declared:
            return httpx.Response(200, content=huge)
        return httpx.Response(200, content=pieces())  # no length: read in chunks

    client = CloudClient(
        "http://cloud.test",
        "pub",
        "secret",
        transport=httpx.MockTransport(answer),
        retry=FAST,
        max_answer_bytes=1024 * 1024,
    )
    async with client:
        with pytest.raises(CloudUnavailable, match="larger than 1 MiB"):
            await client.call("DescribeCluster", Region="cn-bj2")
