"""Workload actions in the console: create from YAML (dry run first, errors per document),
the Deployment form and its preview, restart, rollback to a revision, an object's events
and pods; operators only, audited like every Kubernetes write."""

from __future__ import annotations

import json

import pytest

from console.audit.models import AuditEntry
from console.localcloud.k8s.server import Request, handle
from console.localcloud.models import Cluster, KubeObject, Pod
from console.resources import manifests

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
      - name: app
        image: nginx:1.26
"""
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop-settings\ndata: {a: b}\n"


@pytest.fixture
def cluster(cloud) -> Cluster:
    return Cluster.objects.get(name="prod-web")


def url(cluster, rest=""):
    return f"/clusters/{cluster.cluster_id}/k8s/{rest}"


def stored(cluster, name) -> bool:
    return KubeObject.objects.filter(cluster=cluster, name=name).exists()


def get(cluster, path) -> dict:
    return json.loads(handle(cluster, Request("GET", path)).json)


DEPLOY_PATH = "/apis/apps/v1/namespaces/default/deployments/shop"


def test_a_dry_run_shows_each_document_and_stores_nothing(operator_client, cluster):
    text = f"{CONFIGMAP}---\n{DEPLOYMENT}"
    response = operator_client.post(
        url(cluster, "new/yaml/"), {"manifest": text, "namespace": "default", "action": "dry_run"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="outcome ok"') == 2 and "Document 2 (line 7)" in html
    assert not stored(cluster, "shop") and not stored(cluster, "shop-settings")
    # Sent as the server-side dry run, and audited as every write is.
    paths = [e.params["Path"] for e in AuditEntry.objects.filter(params__Method="POST")]
    assert len(paths) == 2 and all(p.endswith("?dryRun=All") for p in paths)


def test_create_makes_every_document(operator_client, cluster):
    text = f"{CONFIGMAP}---\n{DEPLOYMENT}"
    response = operator_client.post(
        url(cluster, "new/yaml/"), {"manifest": text, "namespace": "default", "action": "create"}
    )
    assert response.status_code == 200 and "2 objects created." in response.content.decode()
    assert stored(cluster, "shop-settings")
    assert Pod.objects.filter(cluster=cluster, labels__app="shop").count() == 2
    assert AuditEntry.objects.filter(
        action="ForwardCluster", params__Method="POST", http_status=201
    ).exists()


def test_errors_are_told_per_document_and_nothing_is_created(operator_client, cluster):
    text = "\n".join(
        [
            CONFIGMAP + "---",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: [oops\n---",
            "metadata: {name: y}\n---",
            "apiVersion: v1\nkind: Gadget\nmetadata: {name: z}\n---",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: empty}\nspec: {}\n",
        ]
    )
    response = operator_client.post(
        url(cluster, "new/yaml/"), {"manifest": text, "namespace": "default", "action": "create"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was created" in html and "would be created" in html  # the good one
    assert "This is not valid YAML (line 11" in html
    assert "apiVersion, kind missing" in html
    assert "serves no kind Gadget" in html
    assert "Kubernetes refused (422 Invalid)" in html and "containers: Required value" in html
    assert "data: [oops" in html  # the text is kept
    assert not stored(cluster, "shop-settings") and not stored(cluster, "empty")


def test_a_failure_midway_says_what_was_created_and_what_was_not_sent(operator_client, cluster):
    # Both pass the dry run (neither exists yet); the second is then a namesake of the first.
    other = CONFIGMAP.replace("name: shop-settings", "name: later")
    text = f"{CONFIGMAP}---\n{CONFIGMAP}---\n{other}"
    response = operator_client.post(
        url(cluster, "new/yaml/"), {"manifest": text, "namespace": "default", "action": "create"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "1 of 3 documents were created before one failed" in html
    assert "409 AlreadyExists" in html and "not sent" in html
    assert stored(cluster, "shop-settings") and not stored(cluster, "later")


def test_a_namespace_and_what_goes_into_it_in_one_go(operator_client, cluster):
    text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shopping}\n---\n" + CONFIGMAP.replace(
        "name: shop-settings", "name: shop-settings\n  namespace: shopping"
    )
    response = operator_client.post(
        url(cluster, "new/yaml/"), {"manifest": text, "namespace": "default", "action": "create"}
    )
    assert response.status_code == 200, response.content.decode()
    assert KubeObject.objects.filter(cluster=cluster, namespace="shopping").exists()


def test_the_manifest_is_bounded_and_has_no_aliases():
    with pytest.raises(manifests.ManifestTooLarge):
        manifests.parse("a: b\n" * 60_000)
    with pytest.raises(manifests.ManifestTooLarge):
        manifests.parse("---\n".join([CONFIGMAP] * 51))
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n'
    assert "aliases" in manifests.parse(bomb)[0].error


def test_the_deployment_form_previews_and_creates(operator_client, cluster):
    form = {
        "name": "orders",
        "namespace": "default",
        "image": "example/api:2",
        "replicas": "2",
        "ports": "8080, 9090",
        "env_name": ["MODE", ""],
        "env_value": ["fast", ""],
        "cpu_request": "250m",
        "cpu_limit": "1",
        "memory_request": "128Mi",
        "memory_limit": "1Gi",
    }
    preview = operator_client.post(url(cluster, "new/deployment/preview/"), form)
    text = preview.content.decode()
    assert "example/api:2" in text and "containerPort" in text and "MODE" in text
    assert "&amp;id" not in text and "*id" not in text  # no YAML aliases in what is shown
    assert not stored(cluster, "orders")
    response = operator_client.post(url(cluster, "new/deployment/"), {**form, "action": "create"})
    assert response.status_code == 302 and response["Location"].endswith(
        "deployments/default/orders/"
    )
    container = get(cluster, "/apis/apps/v1/namespaces/default/deployments/orders")["spec"][
        "template"
    ]["spec"]["containers"][0]
    assert container["env"] == [{"name": "MODE", "value": "fast"}]
    assert container["resources"]["limits"] == {"cpu": "1", "memory": "1Gi"}
    assert [p["containerPort"] for p in container["ports"]] == [8080, 9090]
    assert Pod.objects.filter(cluster=cluster, labels__app="orders").count() == 2


def test_the_deployment_form_refuses_bad_values_and_keeps_them(operator_client, cluster):
    form = {
        "name": "Bad_Name",
        "namespace": "default",
        "image": "nginx",
        "replicas": "1",
        "ports": "99999",
        "env_name": ["1BAD"],
        "env_value": ["kept-value"],
        "cpu_request": "2",
        "cpu_limit": "500m",
    }
    response = operator_client.post(url(cluster, "new/deployment/"), {**form, "action": "create"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "The request is more than the limit." in html and "65535" in html
    assert "kept-value" in html and "Bad_Name" in html
    assert not stored(cluster, "Bad_Name")


def make_shop(operator_client, cluster):
    operator_client.post(
        url(cluster, "new/yaml/"),
        {"manifest": DEPLOYMENT, "namespace": "default", "action": "create"},
    )
    return {p.name for p in Pod.objects.filter(cluster=cluster, labels__app="shop")}


def test_restart_replaces_the_pods(operator_client, cluster):
    before = make_shop(operator_client, cluster)
    path = url(cluster, "deployments/default/shop/restart/")
    operator_client.post(path, {})  # not confirmed: nothing happens
    assert {p.name for p in Pod.objects.filter(cluster=cluster, labels__app="shop")} == before
    response = operator_client.post(path, {"confirm": "restart"})
    assert response.status_code == 302
    after = {p.name for p in Pod.objects.filter(cluster=cluster, labels__app="shop")}
    assert len(after) == 2 and not after & before
    annotations = get(cluster, DEPLOY_PATH)["spec"]["template"]["metadata"]["annotations"]
    assert "kubectl.kubernetes.io/restartedAt" in annotations
    entry = AuditEntry.objects.get(params__Method="PATCH")
    assert entry.params["Path"].endswith("/deployments/shop") and entry.http_status == 200


def test_rollback_puts_back_the_template_of_a_revision(operator_client, cluster):
    make_shop(operator_client, cluster)
    obj = get(cluster, DEPLOY_PATH)
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.27"
    handle(cluster, Request("PUT", DEPLOY_PATH, body=json.dumps(obj).encode()))
    page = operator_client.get(url(cluster, "deployments/default/shop/")).content.decode()
    assert 'data-revision="1"' in page and 'data-revision="2"' in page and "nginx:1.26" in page
    assert "Roll back to 1" in page
    path = url(cluster, "deployments/default/shop/rollback/")
    operator_client.post(path, {"revision": "1"})  # not confirmed
    assert get(cluster, DEPLOY_PATH)["spec"]["template"]["spec"]["containers"][0]["image"] == (
        "nginx:1.27"
    )
    operator_client.post(path, {"revision": "1", "confirm": "1"})
    deployment = get(cluster, DEPLOY_PATH)
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert "pod-template-hash" not in deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    images = {
        p.containers[0]["image"] for p in Pod.objects.filter(cluster=cluster, labels__app="shop")
    }
    assert images == {"nginx:1.26"}


def test_a_workloads_page_lists_its_pods_and_events(viewer_client, operator_client, cluster):
    pods = make_shop(operator_client, cluster)
    page = viewer_client.get(url(cluster, "deployments/default/shop/")).content.decode()
    assert all(f'data-name="{name}"' in page for name in pods)
    assert "/logs/?cluster=" in page and "ScalingReplicaSet" in page
    assert "/terminal/?cluster=" not in page  # a viewer has no terminal
    operator_page = operator_client.get(url(cluster, "deployments/default/shop/")).content.decode()
    assert "/terminal/?cluster=" in operator_page and "Restart shop" in operator_page
    pod = sorted(pods)[0]
    pod_page = viewer_client.get(url(cluster, f"pods/default/{pod}/")).content.decode()
    assert 'id="object-events"' in pod_page
    told = pod_page[pod_page.index('id="object-events"') :]
    # The scheduler's and the kubelet's, newest first as kubectl describe lists them.
    order = [told.index(f">{reason}<") for reason in ("Started", "Created", "Pulled", "Scheduled")]
    assert order == sorted(order) and f"Successfully assigned default/{pod} to " in told


def test_a_viewer_sees_no_action_and_changes_nothing(viewer_client, operator_client, cluster):
    make_shop(operator_client, cluster)
    listing = viewer_client.get(url(cluster, "?namespace=default&tab=workloads")).content.decode()
    assert "Create from YAML" not in listing and "new/deployment" not in listing
    page = viewer_client.get(url(cluster, "deployments/default/shop/")).content.decode()
    assert "Restart shop" not in page and "Roll back" not in page and "/restart/" not in page
    assert viewer_client.get(url(cluster, "new/yaml/")).status_code == 403
    assert viewer_client.get(url(cluster, "new/deployment/")).status_code == 403
    before = Pod.objects.filter(cluster=cluster).count()
    revision = get(cluster, DEPLOY_PATH)["metadata"]["resourceVersion"]
    for path, data in [
        ("new/yaml/", {"manifest": CONFIGMAP, "namespace": "default", "action": "create"}),
        ("new/yaml/", {"manifest": CONFIGMAP, "namespace": "default", "action": "dry_run"}),
        (
            "new/deployment/",
            {
                "name": "x",
                "namespace": "default",
                "image": "n",
                "replicas": "1",
                "action": "create",
            },
        ),
        ("new/deployment/preview/", {"name": "x", "image": "n"}),
        ("deployments/default/shop/restart/", {"confirm": "restart"}),
        ("deployments/default/shop/rollback/", {"revision": "1", "confirm": "1"}),
    ]:
        assert viewer_client.post(url(cluster, path), data).status_code == 403, path
    assert Pod.objects.filter(cluster=cluster).count() == before
    assert get(cluster, DEPLOY_PATH)["metadata"]["resourceVersion"] == revision
    assert not stored(cluster, "shop-settings") and not stored(cluster, "x")


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type"),
    [
        ("POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "n"}}, ""),
        ("PUT", DEPLOY_PATH, None, ""),
        ("PATCH", DEPLOY_PATH, {"spec": {"replicas": 5}}, "application/merge-patch+json"),
        (
            "PATCH",
            DEPLOY_PATH + "/scale",
            {"spec": {"replicas": 5}},
            "application/merge-patch+json",
        ),
        ("DELETE", DEPLOY_PATH, None, ""),
    ],
)
def test_localclouds_dry_run_changes_nothing(
    operator_client, cluster, method, path, body, content_type
):
    make_shop(operator_client, cluster)
    if body is None and method == "PUT":
        body = get(cluster, DEPLOY_PATH)
        body["spec"]["replicas"] = 5
    objects = list(KubeObject.objects.filter(cluster=cluster).values_list("body", flat=True))
    pods = set(Pod.objects.filter(cluster=cluster).values_list("name", flat=True))
    revision = Cluster.objects.get(pk=cluster.pk).kube_revision
    request = Request(method, path, query={"dryRun": ["All"]}, body=json.dumps(body or {}).encode())
    if content_type:
        request.content_type = content_type
    answer = handle(cluster, request)
    assert answer.code in (200, 201), answer.body
    assert (
        list(KubeObject.objects.filter(cluster=cluster).values_list("body", flat=True)) == objects
    )
    assert set(Pod.objects.filter(cluster=cluster).values_list("name", flat=True)) == pods
    assert Cluster.objects.get(pk=cluster.pk).kube_revision == revision


XSS = "<script>alert(1)</script>"


def test_typed_markup_comes_back_as_text(operator_client, cluster):
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: evil}}\ndata: {{k: '{XSS}'}}\n"
    page = operator_client.post(
        url(cluster, "new/yaml/"), {"manifest": text, "namespace": "default", "action": "dry_run"}
    ).content.decode()
    preview = operator_client.post(
        url(cluster, "new/deployment/preview/"),
        {"name": "x", "namespace": "default", "image": "nginx", "replicas": "1",
         "env_name": ["A"], "env_value": [XSS]},
    ).content.decode()  # fmt: skip
    for html in (page, preview):
        assert XSS not in html and "&lt;script&gt;" in html
