"""Reading, typed creates, scaling, deleting and a refused token, with each kubectl."""

from __future__ import annotations


def pod_names(kubectl, *selector: str) -> list[str]:
    out = kubectl("get", "pods", *selector, "-o", "name")
    return sorted(line.removeprefix("pod/") for line in out.split())


def test_it_lists_pods_of_every_namespace(kubectl):
    listing = kubectl("get", "pods", "-A")
    header = listing.split("\n")[0].split()
    assert header == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert "web-6f7d9c-x2k4p" in listing and "kube-system" in listing and "2/2" in listing


def test_it_creates_scales_and_deletes_a_deployment(kubectl):
    # kubectl 1.32 and later send this create as protobuf.
    name = kubectl.name("web")
    created = kubectl("create", "deployment", name, "--image=nginx", "--replicas=3")
    assert created.strip() == f"deployment.apps/{name} created"
    made = pod_names(kubectl, "-l", f"app={name},pod-template-hash")
    assert len(made) == 3 and all(pod.startswith(f"{name}-") for pod in made)

    scaled = kubectl("scale", "deployment", name, "--replicas=1")
    assert scaled.strip() == f"deployment.apps/{name} scaled"
    kept = pod_names(kubectl, "-l", f"app={name},pod-template-hash")
    assert len(kept) == 1 and kept[0] in made

    manifest = kubectl("get", "deploy", name, "-o", "yaml")
    assert "kind: Deployment" in manifest and "replicas: 1" in manifest
    assert "image: nginx" in manifest and "readyReplicas: 1" in manifest

    assert kubectl("delete", "deployment", name).strip() == f'deployment.apps "{name}" deleted'
    assert pod_names(kubectl, "-l", f"app={name},pod-template-hash") == []
    gone = kubectl.run("get", "deploy", name)
    assert gone.returncode == 1 and f'deployments.apps "{name}" not found' in gone.stderr


def test_it_refuses_a_wrong_token(kubectl, tmp_path):
    config = tmp_path / "kubeconfig"
    with open(kubectl.env["KUBECONFIG"]) as source:
        text = source.read()
    token = next(line for line in text.splitlines() if "token:" in line).split(":", 1)[1].strip()
    config.write_text(text.replace(token, "not-the-token"))
    kubectl.env = {**kubectl.env, "KUBECONFIG": str(config)}
    done = kubectl.run("get", "pods")
    assert (done.returncode == 1 and "Unauthorized" in done.stderr + done.stdout) or (
        "provide credentials" in done.stderr
    )


def test_it_describes_a_pod_and_a_deployment(kubectl):
    # Words as kubectl lays them out, white space folded (its column widths vary).
    pod = " ".join(kubectl("describe", "pod", "web-6f7d9c-x2k4p", "-n", "default").split())
    for shown in ("Name: web-6f7d9c-x2k4p", "Namespace: default", "Containers:",
                  "Image: nginx:1.27", "Controlled By: ReplicaSet/web-6f7d9c"):  # fmt: skip
        assert shown in pod, shown
    deployment = " ".join(kubectl("describe", "deployment", "web", "-n", "default").split())
    assert "Replicas: 2 desired | 2 updated | 2 total | 2 available" in deployment
    assert "NewReplicaSet: web-6f7d9c" in deployment


def test_a_replace_from_a_stale_copy_is_a_conflict(kubectl, tmp_path):
    name = kubectl.name("stale")
    kubectl("create", "configmap", name, "--from-literal=colour=blue")
    copy = tmp_path / "copy.yaml"
    copy.write_text(kubectl("get", "configmap", name, "-o", "yaml"))
    kubectl("patch", "configmap", name, "--type=merge", "-p", '{"data":{"colour":"red"}}')
    stale = kubectl.run("replace", "-f", str(copy))
    assert stale.returncode == 1
    assert "Operation cannot be fulfilled" in stale.stderr
    assert "the object has been modified" in stale.stderr
    assert kubectl("get", "configmap", name, "-o", "jsonpath={.data.colour}") == "red"
