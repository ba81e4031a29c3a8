"""Protobuf request bodies: what kubectl 1.33 sent (tests/fixtures/k8s_protobuf/, captured
from `kubectl create …` against localcloud) and hand-built messages, decoded to JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.localcloud.k8s.codec_protobuf import MAGIC, ProtobufError, decode
from console.localcloud.k8s.server import Request, handle
from console.localcloud.models import Cluster

FIXTURES = Path(__file__).parent / "fixtures" / "k8s_protobuf"


def varint(value: int) -> bytes:
    value &= 0xFFFFFFFFFFFFFFFF
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    return bytes(out + bytes([value]))


def field(number: int, value) -> bytes:
    """A varint for an int or bool, length-delimited for str or bytes."""
    if isinstance(value, (bool, int)):
        return varint(number << 3) + varint(int(value))
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


def entry(number: int, key: str, value) -> bytes:
    return field(number, field(1, key) + field(2, value))


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    return MAGIC + field(1, field(1, api_version) + field(2, kind)) + field(2, raw)


def test_it_decodes_what_kubectl_sends_for_create_deployment():
    obj = decode((FIXTURES / "deployment.bin").read_bytes())
    assert obj == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "cap", "labels": {"app": "cap"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "cap"}},
            "template": {
                "metadata": {"labels": {"app": "cap"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx", "resources": {}}]},
            },
            "strategy": {},
        },
        "status": {},
    }


def test_it_decodes_the_other_kinds_kubectl_creates():
    assert decode((FIXTURES / "namespace.bin").read_bytes())["metadata"] == {"name": "capns"}
    configmap = decode((FIXTURES / "configmap.bin").read_bytes())
    # binaryData and a Secret's data are bytes: base64 in JSON, as the JSON path stores them.
    assert configmap["data"] == {"a": "1"} and configmap["binaryData"] == {"b": "AAH/"}
    assert decode((FIXTURES / "secret.bin").read_bytes())["data"] == {"pw": "czNjcmV0"}
    service = decode((FIXTURES / "service.bin").read_bytes())
    assert service["spec"]["ports"] == [
        {"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}
    ]
    job = decode((FIXTURES / "job.bin").read_bytes())
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["echo", "hi"] and job["kind"] == "Job"


def test_a_pointer_keeps_its_zero_and_omitempty_drops_it():
    spec = field(1, 0) + field(5, 0)  # replicas=0 (*int32), minReadySeconds=0 (omitempty)
    obj = decode(envelope("apps/v1", "Deployment", field(1, field(1, "d")) + field(2, spec)))
    assert obj["spec"] == {"replicas": 0}


def test_negative_numbers_intorstring_quantity_and_time():
    port = field(1, "http") + field(4, field(1, 1) + field(3, "web"))  # targetPort: "web"
    numeric = field(4, field(1, 0) + field(2, 8080))
    spec = field(1, port) + field(1, field(3, 443) + numeric)
    meta = field(1, "s") + field(8, field(1, 1_700_000_000)) + field(10, -1)
    obj = decode(envelope("v1", "Service", field(1, meta) + field(2, spec)))
    assert obj["spec"]["ports"] == [
        {"name": "http", "targetPort": "web"},
        {"port": 443, "targetPort": 8080},
    ]
    assert obj["metadata"]["creationTimestamp"] == "2023-11-14T22:13:20Z"
    assert obj["metadata"]["deletionGracePeriodSeconds"] == -1
    limits = entry(1, "cpu", field(1, "500m")) + entry(1, "memory", field(1, "1Gi"))
    container = field(1, "c") + field(8, limits)
    pod = decode(envelope("v1", "Pod", field(1, field(1, "p")) + field(2, field(2, container))))
    assert pod["spec"]["containers"][0]["resources"] == {"limits": {"cpu": "500m", "memory": "1Gi"}}


def test_inline_messages_are_merged_as_json_inlines_them():
    config_map = field(1, field(1, "settings")) + field(3, 420)  # defaultMode 0644
    volume = field(1, "conf") + field(2, field(19, config_map))  # VolumeSource inline
    probe = field(1, field(2, field(1, "/healthz") + field(2, field(2, 80))))  # httpGet inline
    container = field(1, "c") + field(11, probe)
    spec = field(1, volume) + field(2, container)
    pod = decode(envelope("v1", "Pod", field(1, field(1, "p")) + field(2, spec)))
    assert pod["spec"]["volumes"] == [
        {"name": "conf", "configMap": {"name": "settings", "defaultMode": 420}}
    ]
    assert pod["spec"]["containers"][0]["readinessProbe"] == {
        "httpGet": {"path": "/healthz", "port": 80}
    }


def test_managed_fields_raw_json_and_unknown_fields_are_skipped():
    managed = field(1, "kubectl") + field(7, field(1, b'{"f:data":{}}'))
    meta = field(1, "m") + field(17, managed) + field(99, "from a newer version")
    obj = decode(envelope("v1", "ConfigMap", field(1, meta) + field(77, 5)))
    assert obj["metadata"] == {
        "name": "m",
        "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:data": {}}}],
    }


def test_packed_and_unpacked_repeated_numbers():
    packed = varint(4 << 3 | 2) + varint(2) + varint(1) + varint(2)  # supplementalGroups
    security = packed + field(4, 3)
    pod = decode(envelope("v1", "Pod", field(1, field(1, "p")) + field(2, field(14, security))))
    assert pod["spec"]["securityContext"] == {"supplementalGroups": [1, 2, 3]}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"kind": "Pod"}', "magic"),
        (MAGIC + field(1, field(1, "v1") + field(2, "Widget")), "Widget"),
        (envelope("v1", "Pod", field(1, b"\x0a\x05ab")), "ends inside"),
        (envelope("v1", "Pod", field(1, field(1, b"\xff\xfe"))), "UTF-8"),
        (envelope("v1", "Pod", varint(1 << 3 | 3)), "wire type 3"),
        (envelope("v1", "Pod", field(2, 5)), "wrong wire type"),
    ],
)
def test_it_refuses_what_is_not_a_kubernetes_object(body, message):
    with pytest.raises(ProtobufError, match=message):
        decode(body)


def test_embedded_json_that_is_not_json_is_refused():
    meta = field(1, "m") + field(17, field(7, field(1, b"{not json")))
    with pytest.raises(ProtobufError, match="not JSON"):
        decode(envelope("v1", "ConfigMap", field(1, meta)))


def test_the_server_refuses_a_deep_object_hidden_in_protobuf(cloud):
    # The schema cannot nest without end, but JSON inside fieldsV1 can.
    deep = b"[" * 200 + b"]" * 200
    meta = field(1, "m") + field(17, field(7, field(1, deep)))
    cluster = Cluster.objects.get(name="prod-web")
    answer = handle(
        cluster,
        Request(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            {},
            "application/json",
            "application/vnd.kubernetes.protobuf",
            envelope("v1", "ConfigMap", field(1, meta)),
        ),
    )
    assert answer.code == 400 and "nested more than" in answer.body["message"]


def test_the_server_stores_a_protobuf_create_as_json(cloud):
    cluster = Cluster.objects.get(name="prod-web")
    answer = handle(
        cluster,
        Request(
            "POST",
            "/apis/apps/v1/namespaces/default/deployments",
            {"fieldValidation": ["Strict"]},
            "application/json",
            "application/vnd.kubernetes.protobuf",
            (FIXTURES / "deployment.bin").read_bytes(),
        ),
    )
    assert answer.code == 201, answer.body
    assert (
        answer.body["spec"]["replicas"] == 2 and answer.body["metadata"]["namespace"] == "default"
    )
