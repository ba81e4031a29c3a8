"""Demo data: two tenants, two regions, clusters in every state, GPU nodes, pods and logs."""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.db import transaction

from . import keys
from .handlers.clusters import build_cluster
from .models import ApiKey, Cluster, Namespace, Pod, Project, SuperNode, Tenant

DEMO_TENANT = 10001
OTHER_TENANT = 10002

_BASE = {
    "vpc_id": "vpc-demo01",
    "subnet_ids": ["subnet-demo01"],
    "service_cidr": "172.17.0.0/16",
    "k8s_version": "1.30.6",
    "storage_class": "StorageSetSSD",
    "compute_class": "ComputeSetStandard",
    "quantity": 1,
}

_PODS = [
    (
        "default",
        "web-6f7d9c-x2k4p",
        [("nginx", "nginx:1.27"), ("log-shipper", "fluent-bit:3.1")],
        {"app": "web"},
    ),
    (
        "default",
        "web-6f7d9c-q8m3z",
        [("nginx", "nginx:1.27"), ("log-shipper", "fluent-bit:3.1")],
        {"app": "web"},
    ),
    ("default", "api-5b8c7d-h7j2n", [("app", "registry.local/api:2.4.1")], {"app": "api"}),
    (
        "shop",
        "checkout-84d9f-t5r6w",
        [("checkout", "registry.local/checkout:1.9")],
        {"app": "checkout"},
    ),
    (
        "kube-system",
        "coredns-7db6d8ff4d-7x9vq",
        [("coredns", "coredns/coredns:1.11.1")],
        {"k8s-app": "kube-dns"},
    ),
]


def _uid(*parts: str) -> str:
    d = hashlib.sha1("/".join(parts).encode(), usedforsecurity=False).hexdigest()
    return f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}"


def add_pods(cluster: Cluster, started: int) -> None:
    node = cluster.super_nodes.filter(is_default=True).first()
    Namespace.objects.get_or_create(
        cluster=cluster,
        name="shop",
        defaults={"uid": _uid(cluster.cluster_id, "shop"), "create_time": started},
    )
    for namespace, name, containers, labels in _PODS:
        Pod.objects.create(
            cluster=cluster,
            namespace=namespace,
            name=name,
            uid=_uid(cluster.cluster_id, namespace, name),
            node_name=node.node_name if node else "",
            containers=[{"name": c, "image": image} for c, image in containers],
            labels=labels,
            cpu=0.5 * len(containers),
            memory=1.0 * len(containers),
            create_time=started,
            # An hour of history is written on first read.
            logs_written_ns=(int(time.time()) - 3600) * 1_000_000_000,
        )


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
            {"remark": "Nightly batch jobs", "reason": "KubeScheduler is crash-looping"},
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
            cluster.expire_time = int(now + 10 * day)
            cluster.control_plane["KubeScheduler"]["broken"] = "CrashLoopBackOff"
            cluster.save(update_fields=["expire_time", "control_plane"])
        if status != "Creating":
            add_pods(cluster, int(started))
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
