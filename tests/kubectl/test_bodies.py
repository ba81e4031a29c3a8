"""Request bodies with each kubectl: typed creates (protobuf from 1.32 on), `create -f` of
several kinds, the three patch types, client-side and server-side apply."""

from __future__ import annotations

import base64
import json


def get(kubectl, *what: str) -> dict:
    return json.loads(kubectl("get", *what, "-o", "json"))


def test_typed_creates_of_every_kind_kubectl_makes(kubectl):
    ns = kubectl.name("bodies")
    assert kubectl("create", "namespace", ns).strip() == f"namespace/{ns} created"
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=0", "-n", ns)
    kubectl("create", "configmap", "conf", "--from-literal=mode=fast", "-n", ns)
    kubectl("create", "secret", "generic", "pw", "--from-literal=pw=s3cret", "-n", ns)
    kubectl("create", "service", "clusterip", "web", "--tcp=80:8080", "-n", ns)
    kubectl("create", "job", "once", "--image=busybox:1.36", "-n", ns)
    kubectl("run", "solo", "--image=nginx:1.27", "-n", ns)

    # replicas 0 is a pointer's zero: kept, not defaulted to 1.
    assert get(kubectl, "deploy", "web", "-n", ns)["spec"]["replicas"] == 0
    assert get(kubectl, "configmap", "conf", "-n", ns)["data"] == {"mode": "fast"}
    secret = get(kubectl, "secret", "pw", "-n", ns)
    assert base64.b64decode(secret["data"]["pw"]) == b"s3cret"
    port = get(kubectl, "service", "web", "-n", ns)["spec"]["ports"][0]
    assert (port["port"], port["targetPort"]) == (80, 8080)
    job = get(kubectl, "job", "once", "-n", ns)["spec"]["template"]["spec"]["containers"][0]
    assert job["image"] == "busybox:1.36"
    pod = get(kubectl, "pod", "solo", "-n", ns)["spec"]["containers"][0]
    assert pod["image"] == "nginx:1.27"
    again = kubectl.run("create", "configmap", "conf", "-n", ns)
    assert again.returncode == 1 and 'configmaps "conf" already exists' in again.stderr
    kubectl("delete", "namespace", ns)


MANIFEST = """\
apiVersion: v1
kind: ConfigMap
metadata: {{name: {name}}}
data: {{colour: {colour}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
      - {{name: web, image: "nginx:1.27"}}
      - {{name: side, image: "busybox:1.36"}}
"""


def manifest(tmp_path, name: str, colour: str = "blue", replicas: int = 1) -> str:
    path = tmp_path / f"{name}-{colour}-{replicas}.yaml"
    path.write_text(MANIFEST.format(name=name, colour=colour, replicas=replicas))
    return str(path)


def test_create_f_of_several_kinds(kubectl, tmp_path):
    name = kubectl.name("multi")
    out = kubectl("create", "-f", manifest(tmp_path, name))
    assert out.split("\n")[:2] == [f"configmap/{name} created", f"deployment.apps/{name} created"]
    typo = tmp_path / "typo.yaml"
    typo.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}-2}}\n")
    kubectl("create", "-f", str(typo))
    kubectl("delete", "-f", manifest(tmp_path, name), "-f", str(typo))


def test_the_three_patch_types(kubectl, tmp_path):
    name = kubectl.name("patched")
    kubectl("create", "-f", manifest(tmp_path, name))
    ops = json.dumps(
        [
            {"op": "test", "path": "/spec/replicas", "value": 1},
            {"op": "replace", "path": "/spec/replicas", "value": 2},
        ]
    )
    out = kubectl("patch", "deployment", name, "--type=json", "-p", ops)
    assert out.strip() == f"deployment.apps/{name} patched"
    failed = kubectl.run("patch", "deployment", name, "--type=json", "-p", ops)
    assert failed.returncode == 1 and "testing value /spec/replicas failed" in failed.stderr

    kubectl("patch", "configmap", name, "--type=merge", "-p", '{"data":{"size":"L"}}')
    assert get(kubectl, "configmap", name)["data"] == {"colour": "blue", "size": "L"}

    change = {
        "spec": {"template": {"spec": {"containers": [{"name": "side", "image": "busybox:1.37"}]}}}
    }
    kubectl("patch", "deployment", name, "--type=strategic", "-p", json.dumps(change))
    spec = get(kubectl, "deployment", name)["spec"]
    images = {c["name"]: c["image"] for c in spec["template"]["spec"]["containers"]}
    assert images == {"web": "nginx:1.27", "side": "busybox:1.37"} and spec["replicas"] == 2
    # kubectl set image and label send strategic merge patches too.
    kubectl("set", "image", f"deployment/{name}", "web=nginx:1.28")
    kubectl("label", "deployment", name, "tier=front")
    deployment = get(kubectl, "deployment", name)
    assert deployment["metadata"]["labels"] == {"tier": "front"}
    assert [c["image"] for c in deployment["spec"]["template"]["spec"]["containers"]] == [
        "nginx:1.28",
        "busybox:1.37",
    ]
    missing = kubectl.run("patch", "deployment", "nothing-here", "-p", '{"spec":{}}')
    assert missing.returncode == 1 and 'deployments.apps "nothing-here" not found' in missing.stderr
    kubectl("delete", "-f", manifest(tmp_path, name))


def test_client_side_apply_twice(kubectl, tmp_path):
    name = kubectl.name("applied")
    out = kubectl("apply", "-f", manifest(tmp_path, name))
    assert out.split("\n")[:2] == [f"configmap/{name} created", f"deployment.apps/{name} created"]
    annotations = get(kubectl, "configmap", name)["metadata"]["annotations"]
    assert "kubectl.kubernetes.io/last-applied-configuration" in annotations
    out = kubectl("apply", "-f", manifest(tmp_path, name, colour="green", replicas=2))
    assert out.split("\n")[:2] == [
        f"configmap/{name} configured",
        f"deployment.apps/{name} configured",
    ]
    assert get(kubectl, "configmap", name)["data"] == {"colour": "green"}
    assert get(kubectl, "deployment", name)["spec"]["replicas"] == 2
    out = kubectl("apply", "-f", manifest(tmp_path, name, colour="green", replicas=2))
    assert out.split("\n")[:2] == [
        f"configmap/{name} unchanged",
        f"deployment.apps/{name} unchanged",
    ]
    kubectl("delete", "-f", manifest(tmp_path, name))


def test_server_side_apply_twice_and_a_conflict(kubectl, tmp_path):
    name = kubectl.name("ssa")
    out = kubectl("apply", "--server-side", "-f", manifest(tmp_path, name))
    assert out.split("\n")[:2] == [
        f"configmap/{name} serverside-applied",
        f"deployment.apps/{name} serverside-applied",
    ]
    kubectl("apply", "--server-side", "-f", manifest(tmp_path, name, colour="red"))
    configmap = get(kubectl, "configmap", name, "--show-managed-fields")
    assert configmap["data"] == {"colour": "red"}
    assert [m["manager"] for m in configmap["metadata"]["managedFields"]] == ["kubectl"]

    other = manifest(tmp_path, name, colour="black")
    clash = kubectl.run("apply", "--server-side", "--field-manager=robot", "-f", other)
    assert clash.returncode == 1
    assert 'conflict with "kubectl"' in clash.stderr and ".data.colour" in clash.stderr
    kubectl("apply", "--server-side", "--field-manager=robot", "--force-conflicts", "-f", other)
    configmap = get(kubectl, "configmap", name, "--show-managed-fields")
    assert configmap["data"] == {"colour": "black"}
    assert {m["manager"] for m in configmap["metadata"]["managedFields"]} >= {"robot"}
    kubectl("delete", "-f", other)


def test_unknown_fields_are_refused_or_warned_as_validate_says(kubectl, tmp_path):
    name = kubectl.name("typo")
    path = tmp_path / "typo.yaml"
    path.write_text(
        MANIFEST.format(name=name, colour="blue", replicas=1).replace("image:", "imagee:", 1)
    )
    refused = kubectl.run("create", "-f", str(path))
    assert refused.returncode == 1
    assert (
        'strict decoding error: unknown field "spec.template.spec.containers[0].imagee"'
        in refused.stderr
    )
    warned = kubectl.run("apply", "--validate=warn", "-f", str(path))
    assert 'Warning: unknown field "spec.template.spec.containers[0].imagee"' in warned.stderr
    kubectl("delete", "-f", str(path), "--ignore-not-found")
