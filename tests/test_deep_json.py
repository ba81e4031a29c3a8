"""JSON bodies nested to any depth and in any shape on localcloud's /api: always an answer of
the protocol (RetCode 4 past the depth limit), never a 500; and the same bodies on a
cluster's Kubernetes API: a 400 Status."""

from __future__ import annotations

import json
import random

from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.cloud import actions
from console.localcloud import wire
from console.localcloud.k8s.server import MAX_OBJECT_DEPTH, Request, handle
from console.localcloud.models import Cluster

LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)
)
# Shallow values of any shape: what sits at the bottom of a deep spine.
SHAPES = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
DEEP = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


def nested(depth: int, seed: int, bottom: object) -> str:
    """`bottom` inside `depth` arrays and objects in a random order, as JSON text (built
    without recursion: json.dumps itself could not write the deepest ones)."""
    shapes = random.Random(seed).choices(("[", "{"), k=depth)
    opening = "".join('{"k":' if shape == "{" else "[" for shape in shapes)
    closing = "".join("}" if shape == "{" else "]" for shape in reversed(shapes))
    return opening + json.dumps(bottom) + closing


def post(body: str):
    client = Client(HTTP_HOST=django_settings.EMBEDDED_CLOUD_HOST)
    return client.post("/api", body, content_type="application/json")


def body_with(name: str, value: str) -> str:
    head = json.dumps({"Action": "DescribeCluster", "Region": "cn-bj2", "PublicKey": "nobody"})
    return head[:-1] + f", {json.dumps(name)}: {value}}}"


def test_it_answers_a_body_nested_50000_deep_with_retcode_4(cloud):
    response = post(body_with("ClusterIDs", "[" * 50_000 + "]" * 50_000))
    assert response.status_code == 200
    answer = response.json()
    assert answer["RetCode"] == actions.BAD_FORMAT
    assert "nested more than 32 levels deep" in answer["Message"]


def test_it_answers_a_body_that_is_only_nesting_with_retcode_4(cloud):
    answer = post("[" * 50_000 + "]" * 50_000).json()
    assert answer["RetCode"] == actions.BAD_FORMAT


def test_it_accepts_nesting_up_to_the_limit_and_refuses_one_more(cloud):
    at_limit = post(body_with("Junk", nested(wire.MAX_DEPTH - 1, 1, 0))).json()
    assert at_limit["RetCode"] != actions.BAD_FORMAT  # past parsing: refused for its key
    too_deep = post(body_with("Junk", nested(wire.MAX_DEPTH, 1, 0))).json()
    assert too_deep["RetCode"] == actions.BAD_FORMAT


def test_it_answers_nested_bodies_of_any_depth_and_shape_by_the_protocol(cloud):
    names = st.sampled_from(["ClusterIDs", "Tags", "Region", "Junk", "Action", "Signature"])

    @DEEP
    @given(names, st.integers(0, 30_000), st.integers(), SHAPES)
    def run(name, depth, seed, bottom):
        response = post(body_with(name, nested(depth, seed, bottom)))
        assert response.status_code == 200, (depth, response.status_code)
        answer = response.json()
        assert isinstance(answer["RetCode"], int) and answer["Action"].endswith("Response")
        if depth >= wire.MAX_DEPTH:  # the body itself is one level more
            assert answer["RetCode"] == actions.BAD_FORMAT, (depth, answer)

    run()


def test_it_answers_a_kubernetes_object_nested_50000_deep_with_a_bad_request(cloud):
    cluster = Cluster.objects.get(name="prod-web")
    path = "/api/v1/namespaces/default/configmaps"
    for value in (nested(50_000, 7, 0), nested(MAX_OBJECT_DEPTH, 7, 0)):
        body = '{"metadata": {"name": "deep"}, "data": ' + value + "}"
        answer = handle(cluster, Request("POST", path, body=body.encode()))
        assert answer.code == 400
        assert "nested more than" in answer.body["message"]
    body = '{"metadata": {"name": "deep"}, "data": {"a": "1"}, "x": ' + nested(90, 7, 0) + "}"
    assert handle(cluster, Request("POST", path, body=body.encode())).code == 201
