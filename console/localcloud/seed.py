"""Demo data: two tenants, two regions, clusters in every state, GPU nodes, workloads
(deployments, a statefulset, a job, services, config, a secret) with their pods, and logs."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time

from django.conf import settings
from django.db import transaction

from . import keys
from .handlers.clusters import build_cluster
from .k8s import controllers
from .k8s.resources import by_kind
from .k8s.store import store_for, timestamp
from .models import ApiKey, Cluster, Namespace, Project, SuperNode, Tenant

DEMO_TENANT = 10001
OTHER_TENANT = 10002
CREATING_SECONDS = 600  # ml-training stays Creating this long after the seed

_BASE = {
    "vpc_id": "vpc-demo01",
    "subnet_ids": ["subnet-demo01"],
    "service_cidr": "172.17.0.0/16",
    "k8s_version": "1.30.6",
    "storage_class": "StorageSetSSD",
    "compute_class": "ComputeSetStandard",
    "quantity": 1,
}

# The demo's workloads, each owning its demo pods as its controller would have made them:
# the ReplicaSet's pod-template hash and the pods' suffixes are the names the demo has
# always had (the terminal, logs and tests open them by name).
# (namespace, deployment, containers, labels, pod-template hash, pod suffixes)
_DEPLOYMENTS = [
    (
        "default",
        "web",
        [("nginx", "nginx:1.27"), ("log-shipper", "fluent-bit:3.1")],
        {"app": "web"},
        "6f7d9c",
        ["x2k4p", "q8m3z"],
    ),
    ("default", "api", [("app", "registry.local/api:2.4.1")], {"app": "api"}, "5b8c7d", ["h7j2n"]),
    (
        "shop",
        "checkout",
        [("checkout", "registry.local/checkout:1.9")],
        {"app": "checkout"},
        "84d9f",
        ["t5r6w"],
    ),
    (
        "kube-system",
        "coredns",
        [("coredns", "coredns/coredns:1.11.1")],
        {"k8s-app": "kube-dns"},
        "7db6d8ff4d",
        ["7x9vq"],
    ),
]
# (namespace, name, port, target port, protocol, selector); a port of None: headless.
_SERVICES = [
    ("default", "web", 80, 80, "TCP", {"app": "web"}),
    ("default", "api", 8080, 8080, "TCP", {"app": "api"}),
    ("shop", "checkout", 8080, 8080, "TCP", {"app": "checkout"}),
    ("shop", "orders-db", 5432, 5432, "TCP", {"app": "orders-db"}),
    ("kube-system", "kube-dns", 53, 53, "UDP", {"k8s-app": "kube-dns"}),
]
_NGINX_CONF = "server {\n  listen 80;\n  location /api/ { proxy_pass http://api:8080; }\n}\n"
_COREFILE = ".:53 {\n    kubernetes cluster.local\n    forward . /etc/resolv.conf\n}\n"
_CONFIGMAPS = [
    ("default", "web-config", {"nginx.conf": _NGINX_CONF}),
    ("default", "api-config", {"LOG_LEVEL": "info", "CHECKOUT_URL": "http://checkout.shop:8080"}),
    ("kube-system", "coredns", {"Corefile": _COREFILE}),
]


def _uid(*parts: str) -> str:
    d = hashlib.sha1("/".join(parts).encode(), usedforsecurity=False).hexdigest()
    return f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}"


def _template(containers: list[tuple[str, str]], labels: dict) -> dict:
    requests = {"cpu": "500m", "memory": "1Gi"}
    return {
        "metadata": {"labels": labels},
        "spec": {
            "containers": [
                {"name": name, "image": image, "resources": {"requests": requests}}
                for name, image in containers
            ]
        },
    }


def _create(cluster: Cluster, kind: str, namespace: str, name: str, body: dict, **names) -> None:
    """Write an object as the API would and let its controller act (with the demo's names)."""
    resource = by_kind(kind)
    labels = (body.get("spec") or {}).get("selector", {}).get("matchLabels")
    meta = controllers.new_metadata(cluster, name, namespace, generation=1)
    if labels:
        meta["labels"] = labels
    obj = {"kind": kind, "apiVersion": resource.api_version, "metadata": meta, **body}
    saved = store_for(resource).save(cluster, obj)
    controllers.reconcile(cluster, saved, **names)


def add_workloads(cluster: Cluster, started: int) -> None:
    """Deployments, a StatefulSet and a Job with their pods, services, config and a secret."""
    Namespace.objects.get_or_create(
        cluster=cluster,
        name="shop",
        defaults={"uid": _uid(cluster.cluster_id, "shop"), "create_time": started},
    )
    for namespace, name, containers, labels, pod_hash, suffixes in _DEPLOYMENTS:
        spec = {
            "replicas": len(suffixes),
            "selector": {"matchLabels": labels},
            "template": _template(containers, labels),
        }
        _create(
            cluster, "Deployment", namespace, name, {"spec": spec},
            pod_hash=pod_hash, pod_suffixes=suffixes,
        )  # fmt: skip
    db = {"app": "orders-db"}
    spec = {
        "replicas": 1,
        "serviceName": "orders-db",
        "selector": {"matchLabels": db},
        "template": _template([("postgres", "postgres:16")], db),
    }
    _create(cluster, "StatefulSet", "shop", "orders-db", {"spec": spec})
    report = {"job-name": "nightly-report"}
    template = _template([("report", "registry.local/report:1.2")], report)
    template["spec"]["restartPolicy"] = "Never"
    spec = {"completions": 1, "selector": {"matchLabels": report}, "template": template}
    _create(cluster, "Job", "default", "nightly-report", {"spec": spec}, pod_suffixes=["m4k8d"])
    for i, (namespace, name, port, target, protocol, selector) in enumerate(_SERVICES):
        ports = [{"port": port, "targetPort": target, "protocol": protocol}]
        spec = {"type": "ClusterIP", "clusterIP": f"10.96.0.{10 + i}", "ports": ports,
                "selector": selector}  # fmt: skip
        _create(cluster, "Service", namespace, name, {"spec": spec})
    for namespace, name, data in _CONFIGMAPS:
        _create(cluster, "ConfigMap", namespace, name, {"data": data})
    # Made per install: no value in the repository is a password anywhere.
    password = secrets.token_urlsafe(18)
    data = {
        "DATABASE_URL": "postgres://api@orders-db.shop:5432/orders",
        "DATABASE_PASSWORD": password,
    }
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    _create(cluster, "Secret", "default", "api-credentials", {"type": "Opaque", "data": encoded})
    _settle(cluster, started)


def _settle(cluster: Cluster, started: int) -> None:
    """The workloads were made when the cluster started, not now; pods keep the uids their
    logs are written from, and have an hour of history written on first read. Their events
    are older than the event TTL unless the cluster is new: forgotten, as a real one's."""
    stamp = timestamp(started)
    if started < time.time() - settings.LOCALCLOUD_EVENT_TTL_SECONDS:
        cluster.kube_objects.filter(resource="events").delete()
    for row in cluster.kube_objects.all():
        body = row.body
        body["metadata"]["creationTimestamp"] = stamp
        for key in ("firstTimestamp", "lastTimestamp"):
            if key in body:
                body[key] = stamp
        for key in ("startTime", "completionTime"):
            if key in (body.get("status") or {}):
                body["status"][key] = stamp
        row.save(update_fields=["body"])
    for pod in cluster.pods.all():
        pod.uid = _uid(cluster.cluster_id, pod.namespace, pod.name)
        pod.create_time = started
        pod.logs_written_ns = (int(time.time()) - 3600) * 1_000_000_000
        pod.save(update_fields=["uid", "create_time", "logs_written_ns"])


def _tenant(company_id: int, name: str, email: str) -> Tenant:
    tenant = Tenant.objects.create(company_id=company_id, name=name, email=email)
    Project.objects.create(
        tenant=tenant, project_id=f"org-{company_id}-default", name="Default", is_default=True
    )
    Project.objects.create(tenant=tenant, project_id=f"org-{company_id}-data", name="Data")
    # Each demo tenant has a key of its own (not admin), for SDKs and the tenant-key page.
    keys.issue(tenant)
    return tenant


def ensure_console_key() -> tuple[str, str]:
    """The admin key the console signs with, made on first seed and handed over in
    CONSOLE_KEY_FILE. CONSOLE_PUBLIC_KEY/CONSOLE_PRIVATE_KEY, when set, are registered
    instead (refused if the repository ever published them)."""
    wanted = (settings.CONSOLE_PUBLIC_KEY, settings.CONSOLE_PRIVATE_KEY)
    if wanted[0]:
        if not ApiKey.objects.filter(public_key=wanted[0]).exists():
            tenant = Tenant.objects.get(company_id=DEMO_TENANT)
            keys.store(tenant, *wanted, is_admin=True)
        return wanted
    pair = keys.admin_pair()
    if pair is None:
        pair = keys.issue(Tenant.objects.get(company_id=DEMO_TENANT), is_admin=True)
    keys.write_console_key_file(pair)
    return pair


@transaction.atomic
def seed() -> bool:
    """Load the demo data once (False when it is already there); the console's key is
    made or handed over again on every run."""
    if Tenant.objects.filter(company_id=DEMO_TENANT).exists():
        ensure_console_key()
        return False
    now = time.time()
    acme = _tenant(DEMO_TENANT, "Acme Robotics", "ops@acme.example")
    globex = _tenant(OTHER_TENANT, "Globex Retail", "it@globex.example")
    ensure_console_key()
    default = acme.projects.get(is_default=True)
    data = acme.projects.get(project_id=f"org-{DEMO_TENANT}-data")
    day = 86400
    specs = [
        # (tenant, project, region, name, status, charge, extra, started days ago)
        (
            acme,
            default,
            "cn-bj2",
            "prod-web",
            "Running",
            "Month",
            {
                "high_availability": "true",
                "eip_id": "eip-prodweb1",
                "remark": "Customer-facing web",
                "quantity": 3,  # 40 days into a three-month term
            },
            40,
        ),
        (acme, default, "cn-bj2", "staging-api", "Running", "Dynamic", {"remark": "Staging"}, 12),
        (
            acme,
            data,
            "cn-bj2",
            "legacy-batch",
            "Abnormal",
            "Month",
            {
                "remark": "Nightly batch jobs",
                "reason": "KubeScheduler is crash-looping",
                "quantity": 2,  # 50 days into two months: expires in ten days
            },
            50,
        ),
        (
            acme,
            data,
            "cn-bj2",
            "ml-training",
            "Creating",
            "Dynamic",
            {"compute_class": "ComputeSetHighPerf"},
            0,
        ),
        (acme, default, "cn-sh2", "sh-analytics", "Running", "Year", {}, 100),
        (
            globex,
            globex.projects.get(is_default=True),
            "cn-bj2",
            "globex-shop",
            "Running",
            "Dynamic",
            {},
            5,
        ),
    ]
    for tenant, project, region, name, status, charge, extra, days_ago in specs:
        started = now - days_ago * day
        fields = {**_BASE, **extra}
        cluster = build_cluster(
            start=started if status != "Creating" else now,
            status=status,
            # Long enough to be seen Creating after `make run`, whatever the default.
            create_seconds=CREATING_SECONDS if status == "Creating" else None,
            tenant=tenant,
            project=project,
            region=region,
            name=name,
            charge_type=charge,
            tags=[
                {"Key": "env", "Value": name.split("-")[0]},
                {"Key": "team", "Value": "platform"},
            ],
            **fields,
        )
        if name == "legacy-batch":
            # Expires in ten days and has an unready component: the dashboard flags both.
            cluster.control_plane["KubeScheduler"]["broken"] = "CrashLoopBackOff"
            cluster.save(update_fields=["control_plane"])
        if status != "Creating":
            add_workloads(cluster, int(started))
        if name == "staging-api":
            SuperNode.objects.create(
                cluster=cluster,
                node_name="gpu-pool",
                compute_class="ComputeSetHighPerf",
                storage_class="StorageSetSSD",
                status="Ready",
                max_cpu=32,
                max_memory=128,
                max_pods=64,
                gpu_mdev="nvidia-t4",
                gpu_count=2,
                create_time=int(started),
            )
    return True


def seed_many(count: int, region: str = "cn-bj2") -> None:
    """Extra Running clusters for benchmarks (DescribeCluster over 1,000 clusters)."""
    acme = Tenant.objects.get(company_id=DEMO_TENANT)
    project = acme.projects.get(is_default=True)
    start = time.time() - 86400
    with transaction.atomic():
        for i in range(count):
            build_cluster(
                start=start + i,
                status="Running",
                tenant=acme,
                project=project,
                region=region,
                name=f"bench-{i:04d}",
                charge_type="Dynamic",
                tags=[],
                **_BASE,
            )
