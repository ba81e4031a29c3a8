"""Random and hostile input to every localcloud action and every console form: never a
500, and a refused call or form changes nothing."""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.cloud import actions
from console.cloud.signing import flatten, signature
from console.localcloud import keys
from console.localcloud.models import Cluster, KubeObject, LogLine, Namespace, Pod, SuperNode
from tests.conftest import logged_in

HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "--1",
    "1e9",
    "99999999999999999999999",
    "NaN",
    "true",
    "null",
    "<script>alert(1)</script>",
    "'; DROP TABLE localcloud_cluster; --",
    "../../etc/passwd",
    "\x00",
    "\u202e",
    "日志",
    "a" * 5000,
    "%s%s%n",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "uk8s-doesnotexist",
    "cn-bj2",
    "Dynamic",
    "Month",
    "super-node-default",
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.lists(st.sampled_from(HOSTILE), max_size=3),
)
FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


def state() -> list:
    """Everything a call could change, to compare before and after."""
    return [
        list(Cluster.objects.order_by("pk").values()),
        list(SuperNode.objects.order_by("pk").values()),
        list(Namespace.objects.order_by("pk").values_list("name", "cluster_id")),
        list(Pod.objects.order_by("pk").values_list("name", "cluster_id", "resource_version")),
        list(KubeObject.objects.order_by("pk").values_list("name", "body")),
    ]


def signed(action: str, params: dict) -> dict:
    public, private = keys.admin_pair()
    body = flatten({"Action": action, **params, "PublicKey": public})
    body["Signature"] = signature(body, private)
    return body


@pytest.mark.parametrize("action", sorted(actions.ACTIONS))
def test_localcloud_answers_any_input_without_500_and_refusals_change_nothing(cloud, action):
    spec = actions.ACTIONS[action]
    names = [p.name for p in spec.params] + ["Junk", "Region"]
    client = Client(HTTP_HOST=django_settings.EMBEDDED_CLOUD_HOST)
    LogLine.objects.all().delete()  # log writes are a side effect of reads, not state

    @FUZZ
    @given(st.dictionaries(st.sampled_from(names), VALUES, max_size=len(names)), st.booleans())
    def run(params, as_json):
        params = {"Region": "cn-bj2", **params}
        before = state()
        body = signed(action, params)
        if as_json:
            response = client.post("/api", json.dumps(body), content_type="application/json")
        else:
            response = client.post("/api", body)
        assert response.status_code in (200, 413), response.status_code
        if response.status_code == 200:
            answer = response.json()
            assert isinstance(answer["RetCode"], int)
            if answer["RetCode"] != 0:
                assert state() == before, (params, answer)

    run()


FORMS = [
    (
        "/clusters/new/",
        [
            "name",
            "region",
            "charge_type",
            "quantity",
            "cpu",
            "memory",
            "k8s_version",
            "vpc_id",
            "subnet_ids",
            "tag_key",
            "tag_value",
            "compute_class",
        ],
    ),
    ("/clusters/{c}/capacity/", ["max_cpu", "max_memory", "max_pods", "max_storage"]),
    ("/clusters/{c}/subnets/", ["subnet_ids"]),
    ("/clusters/{c}/eip/attach/", ["eip_id"]),
    ("/clusters/{c}/delete/", ["confirm_name"]),
    (
        "/clusters/{c}/nodes/new/",
        ["node_name", "max_cpu", "max_memory", "max_pods", "compute_class"],
    ),
    ("/clusters/{c}/nodes/super-node-default/resize/", ["max_cpu", "max_memory", "max_pods"]),
    ("/clusters/{c}/nodes/super-node-default/gpu/", ["gpu_mdev", "gpu", "confirm"]),
    ("/clusters/{c}/nodes/super-node-default/delete/", ["confirm_name"]),
    ("/clusters/{c}/k8s/deployments/default/x/scale/", ["replicas"]),
    ("/clusters/{c}/k8s/pods/default/web-6f7d9c-x2k4p/delete/", ["confirm"]),
    ("/clusters/{c}/k8s/configmaps/default/x/", ["manifest"]),
    ("/accounts/key/", ["public_key", "private_key"]),
    ("/accounts/region/", ["region", "next"]),
]
GETS = [
    ("/pricing/", ["cpu", "memory", "charge_type", "quantity", "cluster", "gpu"]),
    (
        "/logs/",
        [
            "cluster",
            "namespace",
            "pod",
            "container",
            "kw",
            "ignore",
            "range",
            "since",
            "until",
            "limit",
            "tz",
        ],
    ),
    ("/clusters/", ["q", "project", "sort", "size", "page"]),
    ("/audit/", ["user", "action", "text", "since", "until", "page"]),
]


@pytest.mark.parametrize(("path", "fields"), FORMS, ids=[f[0] for f in FORMS])
def test_forms_take_any_input_without_500_and_refusals_change_nothing(
    admin_user, cloud, path, fields
):
    client = logged_in(admin_user)
    cluster = Cluster.objects.get(name="staging-api")
    url = path.format(c=cluster.cluster_id)

    @FUZZ
    @given(st.dictionaries(st.sampled_from(fields), VALUES, max_size=len(fields)))
    def run(data):
        before = state()
        response = client.post(url, data)
        assert response.status_code < 500, (url, data, response.status_code)
        if response.status_code >= 400:
            assert state() == before, (url, data)

    run()


@pytest.mark.parametrize(("path", "fields"), GETS, ids=[g[0] for g in GETS])
def test_searches_take_any_input_without_500(admin_user, cloud, path, fields):
    client = logged_in(admin_user)

    @FUZZ
    @given(st.dictionaries(st.sampled_from(fields), VALUES, max_size=len(fields)))
    def run(query):
        response = client.get(path, query)
        assert response.status_code < 500, (path, query, response.status_code)

    run()
