"""Cluster actions: Create, Describe, Update, Attach/Detach EIP, UpdateCapacity, Delete."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import ipaddress
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum

from console.cloud import actions as a

from .. import catalog, lifecycle
from ..auth import Call
from ..errors import ApiError
from ..k8s.tls import ensure_certificates
from ..models import Cluster, Namespace, Project, SuperNode
from .common import check, get_cluster, require_status

NAME_MAX = 64
MAX_LIMIT = 1000
MAX_OFFSET = 10**9
MAX_DYNAMIC_QUANTITY = 1000
DEFAULT_NODE = "super-node-default"


def _new_cluster_id() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "uk8s-" + "".join(secrets.choice(alphabet) for _ in range(8))


def decode_tags(pairs: list[str]) -> list[dict[str, str]]:
    tags = []
    for pair in pairs:
        key_b64, sep, value_b64 = pair.partition(":")
        try:
            if not sep:
                raise ValueError
            key = base64.b64decode(key_b64, validate=True).decode()
            value = base64.b64decode(value_b64, validate=True).decode()
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise ApiError(
                a.CHECK_FAILED, f"TagKeyValuePairs item [{pair}] is not base64(key):base64(value)"
            ) from None
        check(0 < len(key) <= 64, f"Tag key [{key}] must have 1 to 64 characters")
        check(len(value) <= 128, f"Tag value for [{key}] is longer than 128 characters")
        tags.append({"Key": key, "Value": value})
    return tags


def _check_service_cidr(value: str) -> None:
    if value.startswith("subnet-"):
        return
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ApiError(
            a.CHECK_FAILED, f"ServiceCIDR [{value}] is not a CIDR or a subnet ID"
        ) from None
    check(
        network.version == 4 and network.prefixlen <= 24, "ServiceCIDR must be IPv4, /24 or larger"
    )


def check_class_types(compute: str, storage: str | None) -> None:
    if compute not in catalog.COMPUTE_CLASSES:
        raise ApiError(a.NOT_FOUND, f"ComputeclassType [{compute}] does not exist")
    if storage is not None and storage not in catalog.STORAGE_CLASSES:
        raise ApiError(a.NOT_FOUND, f"StorageclassType [{storage}] does not exist")


def check_charge(charge_type: str, quantity: int | None) -> int:
    check(charge_type in catalog.CHARGE_TYPES, f"ChargeType must be one of {catalog.CHARGE_TYPES}")
    if charge_type == "Dynamic":
        check(
            quantity is None or 0 <= quantity <= MAX_DYNAMIC_QUANTITY,
            f"Quantity for Dynamic must be 0 to {MAX_DYNAMIC_QUANTITY} (it is not used)",
        )
        return quantity or 0
    low, high = catalog.QUANTITY_RANGE[charge_type]
    check(
        quantity is not None and low <= quantity <= high,
        f"Quantity for {charge_type} must be {low} to {high}",
    )
    return quantity


def _expire_time(charge_type: str, quantity: int, start: int) -> int:
    if charge_type == "Dynamic":
        return 0
    return start + catalog.HOURS[charge_type] * 3600 * quantity


def create_cluster(call: Call, p: dict[str, Any]) -> dict:
    name = p["Name"].strip()
    check(0 < len(name) <= NAME_MAX, f"Name must have 1 to {NAME_MAX} characters")
    check(p["VpcID"].startswith("vpc-"), f"VpcID [{p['VpcID']}] must start with vpc-")
    check(
        p["SubnetID"].startswith("subnet-"), f"SubnetID [{p['SubnetID']}] must start with subnet-"
    )
    check(
        p["K8SVersion"] in catalog.K8S_VERSIONS, f"K8SVersion must be one of {catalog.K8S_VERSIONS}"
    )
    ha = p.get("HighAvailability", "")
    check(ha in catalog.HIGH_AVAILABILITY, "HighAvailability must be true or false")
    check_class_types(p["ComputeclassType"], p["StorageclassType"])
    quantity = check_charge(p["ChargeType"], p["Quantity"])
    if p.get("ServiceCIDR"):
        _check_service_cidr(p["ServiceCIDR"])
    if p.get("EIPID"):
        check(p["EIPID"].startswith("eip-"), f"EIPID [{p['EIPID']}] must start with eip-")
    tags = decode_tags(p["TagKeyValuePairs"])
    if p.get("ProjectID"):
        project = Project.objects.filter(tenant=call.tenant, project_id=p["ProjectID"]).first()
        if project is None:
            raise ApiError(a.NOT_FOUND, f"Project [{p['ProjectID']}] does not exist")
    else:
        project = call.default_project()

    tenant = call.tenant
    with transaction.atomic():
        active = Cluster.objects.filter(tenant=tenant).exclude(status="Deleting").count()
        if active >= tenant.max_clusters:
            raise ApiError(
                a.QUOTA_EXCEEDED, f"Quota insufficient: at most {tenant.max_clusters} clusters"
            )
        cost = 0.0
        if p["ChargeType"] != "Dynamic":
            hourly = catalog.hourly_price(
                p["ComputeclassType"],
                p["StorageclassType"],
                catalog.DEFAULT_CPU,
                catalog.DEFAULT_MEMORY,
                ha == "true",
            )
            cost = catalog.charge(hourly, p["ChargeType"], quantity)
            if cost > tenant.balance:
                raise ApiError(
                    a.BALANCE_INSUFFICIENT,
                    f"Balance insufficient: {cost:.2f} needed, {tenant.balance:.2f} available",
                )
            tenant.balance -= cost
            tenant.save(update_fields=["balance"])
        cluster = build_cluster(
            tenant=tenant,
            project=project,
            region=call.region,
            name=name,
            remark=p.get("Remark", ""),
            tags=tags,
            charge_type=p["ChargeType"],
            quantity=quantity,
            vpc_id=p["VpcID"],
            subnet_ids=[p["SubnetID"]],
            service_cidr=p.get("ServiceCIDR", "") or "172.17.0.0/16",
            eip_id=p.get("EIPID", ""),
            k8s_version=p["K8SVersion"],
            storage_class=p["StorageclassType"],
            compute_class=p["ComputeclassType"],
            high_availability=ha,
            application_name=p.get("ApplicationName", ""),
            application_reason=p.get("ApplicationReason", ""),
        )
    return {"ClusterID": cluster.cluster_id}


def build_cluster(
    *,
    start: float | None = None,
    status: str = "Creating",
    create_seconds: float | None = None,
    **fields,
) -> Cluster:
    """A new cluster with its default super node and namespaces (also used by the seed,
    which makes one take longer to create than LOCALCLOUD_CREATE_SECONDS)."""
    moment = lifecycle.now() if start is None else start
    if create_seconds is None:
        create_seconds = settings.LOCALCLOUD_CREATE_SECONDS
    charge_type = fields["charge_type"]
    cluster = Cluster.objects.create(
        cluster_id=_new_cluster_id(),
        status=status,
        control_plane=lifecycle.plan_control_plane(
            moment, fields.get("high_availability") == "true", create_seconds
        ),
        kube_token=secrets.token_hex(24),
        create_time=int(moment),
        update_time=int(moment),
        expire_time=_expire_time(charge_type, fields.get("quantity", 0), int(moment)),
        ready_time=moment + create_seconds,
        **fields,
    )
    SuperNode.objects.create(
        cluster=cluster,
        node_name=DEFAULT_NODE,
        compute_class=cluster.compute_class,
        storage_class=cluster.storage_class,
        status="Ready" if status == "Running" else "Creating",
        is_default=True,
        max_cpu=min(32, cluster.max_cpu),
        max_memory=min(128, cluster.max_memory),
        max_pods=min(110, cluster.max_pods),
        create_time=int(moment),
    )
    for ns in ("default", "kube-system", "kube-public"):
        Namespace.objects.create(
            cluster=cluster, name=ns, uid=_uid(cluster.cluster_id, ns), create_time=int(moment)
        )
    return cluster


def _uid(*parts: str) -> str:
    digest = hashlib.sha1("/".join(parts).encode(), usedforsecurity=False).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def describe_cluster(call: Call, p: dict[str, Any]) -> dict:
    limit = p.get("Limit", 20)
    offset = p.get("Offset", 0)
    check(1 <= limit <= MAX_LIMIT, f"Limit must be 1 to {MAX_LIMIT}")
    check(0 <= offset <= MAX_OFFSET, f"Offset must be 0 to {MAX_OFFSET}")
    query = Cluster.objects.filter(tenant=call.tenant, region=call.region)
    if p.get("ClusterIDs"):
        wanted = set(p["ClusterIDs"])
        found = set(query.filter(cluster_id__in=wanted).values_list("cluster_id", flat=True))
        missing = sorted(wanted - found)
        if missing:
            raise ApiError(a.NOT_FOUND, f"Cluster [{missing[0]}] does not exist")
        query = query.filter(cluster_id__in=wanted)
    if p.get("ProjectIDs"):
        wanted = set(p["ProjectIDs"])
        known = set(
            Project.objects.filter(tenant=call.tenant, project_id__in=wanted).values_list(
                "project_id", flat=True
            )
        )
        missing = sorted(wanted - known)
        if missing:
            raise ApiError(a.NOT_FOUND, f"Project [{missing[0]}] does not exist")
        query = query.filter(project__project_id__in=wanted)
    if p.get("Keyword"):
        kw = p["Keyword"]
        query = query.filter(
            Q(name__icontains=kw) | Q(cluster_id__icontains=kw) | Q(remark__icontains=kw)
        )
    total = query.count()
    page = list(
        query.select_related("tenant", "project").order_by("-create_time", "-id")[
            offset : offset + limit
        ]
    )
    usage = _allocations([c.pk for c in page])
    return {"TotalCount": total, "Infos": [cluster_info(c, usage.get(c.pk)) for c in page]}


def _allocations(pks: list[int]) -> dict[int, dict]:
    from ..models import Pod

    rows = (
        Pod.objects.filter(cluster_id__in=pks)
        .values("cluster_id")
        .annotate(cpu=Sum("cpu"), memory=Sum("memory"), pods=Count("id"))
    )
    return {row["cluster_id"]: row for row in rows}


def _eip_ip(eip_id: str) -> str:
    digest = hashlib.sha1(eip_id.encode(), usedforsecurity=False).digest()
    return f"106.75.{digest[0]}.{max(1, digest[1])}"


def _internal_ip(cluster_id: str) -> str:
    digest = hashlib.sha1(cluster_id.encode(), usedforsecurity=False).digest()
    return f"10.9.{digest[0]}.{max(2, digest[1])}"


def kubernetes_endpoint(cluster: Cluster) -> str:
    """The cluster's API server: localcloud's TLS front, path /k8s/<cluster>."""
    return f"{settings.LOCALCLOUD_K8S_URL.rstrip('/')}/k8s/{cluster.cluster_id}"


def _ca_data() -> str:
    return _ca_data_in(settings.LOCALCLOUD_WORK_DIR)


@functools.cache
def _ca_data_in(work_dir: str) -> str:
    # Read once per folder: DescribeCluster puts it in every cluster's kubeconfig, and a
    # folder's CA is made once and never changes.
    ca, _, _ = ensure_certificates(Path(work_dir) / "tls")
    return base64.b64encode(ca.read_bytes()).decode()


def kubeconfig(cluster: Cluster, server: str | None = None) -> str:
    """A kubeconfig for the cluster: localcloud's endpoint (trusted through its CA), or
    `server` (the EIP address, which localcloud does not really serve)."""
    trust = (
        f"    certificate-authority-data: {_ca_data()}\n"
        if server is None
        else "    insecure-skip-tls-verify: true\n"
    )
    server = server or kubernetes_endpoint(cluster)
    return (
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n"
        f"- name: {cluster.cluster_id}\n"
        "  cluster:\n"
        f"    server: {server}\n"
        f"{trust}"
        "contexts:\n"
        f"- name: {cluster.cluster_id}\n"
        "  context:\n"
        f"    cluster: {cluster.cluster_id}\n"
        "    user: admin\n"
        f"current-context: {cluster.cluster_id}\n"
        "users:\n"
        "- name: admin\n"
        "  user:\n"
        f"    token: {cluster.kube_token}\n"
    )


def _control_plane(cluster: Cluster) -> dict:
    moment = lifecycle.now()
    status = {}
    for name, plan in cluster.control_plane.items():
        broken = plan.get("broken", "")
        details = []
        for replica in range(plan.get("replicas", 1)):
            ready = cluster.status in ("Running", "Abnormal") or moment >= plan["ready_at"]
            reason = "Running" if ready else "ContainerCreating"
            if broken and replica == 0:
                ready, reason = False, broken
            if cluster.status == "Deleting":
                ready, reason = False, "Terminating"
            details.append(
                {
                    "PodName": f"{name.lower()}-{cluster.cluster_id}-{replica}",
                    "Container": name.lower(),
                    "Reason": reason,
                    "Ready": ready,
                }
            )
        all_ready = all(d["Ready"] for d in details)
        status[name] = {"Status": "Ready" if all_ready else "NotReady", "Details": details}
    return status


STATES = {
    "Creating": "Provisioning",
    "Running": "Ready",
    "Deleting": "Terminating",
    "Abnormal": "Degraded",
}


def cluster_info(cluster: Cluster, usage: dict | None = None) -> dict:
    usage = usage or {}
    internal = _internal_ip(cluster.cluster_id)
    addresses = [{"Type": "advertise", "Ip": internal, "Port": 6443}]
    if cluster.eip_id:
        addresses.append({"Type": "public", "Ip": _eip_ip(cluster.eip_id), "Port": 6443})
    wan = kubeconfig(cluster, f"https://{_eip_ip(cluster.eip_id)}:6443") if cluster.eip_id else ""
    return {
        "Name": cluster.name,
        "Remark": cluster.remark,
        "Region": cluster.region,
        "RegionAlias": settings.LOCALCLOUD_REGION_ALIASES.get(cluster.region, cluster.region),
        "CompanyID": cluster.tenant.company_id,
        "CompanyName": cluster.tenant.name,
        "Email": cluster.tenant.email,
        "ProjectID": cluster.project.project_id,
        "ProjectName": cluster.project.name,
        "Reason": cluster.reason,
        "CreateTime": cluster.create_time,
        "UpdateTime": cluster.update_time,
        "ExpireTime": cluster.expire_time,
        "Tags": cluster.tags,
        "ChargeType": cluster.charge_type,
        "ClusterID": cluster.cluster_id,
        "VpcID": cluster.vpc_id,
        "VpcName": f"vpc-{cluster.vpc_id.removeprefix('vpc-')}-net",
        "SubnetIDs": cluster.subnet_ids,
        "SubnetNames": [f"{s.removeprefix('subnet-')}-net" for s in cluster.subnet_ids],
        "ServiceCIDR": cluster.service_cidr,
        "K8SVersion": cluster.k8s_version,
        "StorageclassType": cluster.storage_class,
        "ComputeclassType": cluster.compute_class,
        "Status": cluster.status,
        "State": STATES.get(cluster.status, cluster.status),
        "Addresses": addresses,
        "Kubeconfig": kubeconfig(cluster),
        "KubeconfigWan": wan,
        "Registry": f"uhub.{cluster.region}.localcloud/{cluster.cluster_id}",
        "APIServerEIPID": cluster.eip_id,
        "MaxCPU": cluster.max_cpu,
        "MaxMemory": cluster.max_memory,
        "MaxPods": cluster.max_pods,
        "MaxStorage": cluster.max_storage,
        "MaxStoragAllocation": cluster.max_storage_allocation,
        "AllocatedCPU": round(usage.get("cpu") or 0),
        "AllocatedMemory": round(usage.get("memory") or 0),
        "AllocatedPods": usage.get("pods") or 0,
        "ControllerPlaneStatus": _control_plane(cluster),
    }


def _touch(cluster: Cluster, *fields: str) -> None:
    cluster.update_time = int(lifecycle.now())
    cluster.save(update_fields=[*fields, "update_time"])


def update_cluster(call: Call, p: dict[str, Any]) -> dict:
    cluster = get_cluster(call, p["ClusterID"])
    require_status(cluster, "Running")
    subnets = list(dict.fromkeys(p["SubnetIDs"]))
    for subnet in subnets:
        check(subnet.startswith("subnet-"), f"SubnetIDs item [{subnet}] must start with subnet-")
    check(len(subnets) <= 8, "At most 8 subnets")
    cluster.subnet_ids = subnets
    _touch(cluster, "subnet_ids")
    return {}


def attach_eip(call: Call, p: dict[str, Any]) -> dict:
    cluster = get_cluster(call, p["ClusterID"])
    require_status(cluster, "Running")
    check(p["EIPID"].startswith("eip-"), f"EIPID [{p['EIPID']}] must start with eip-")
    if cluster.eip_id:
        raise ApiError(a.WRONG_STATE_OTHER, f"Cluster already has EIP [{cluster.eip_id}]")
    cluster.eip_id = p["EIPID"]
    _touch(cluster, "eip_id")
    return {}


def detach_eip(call: Call, p: dict[str, Any]) -> dict:
    cluster = get_cluster(call, p["ClusterID"])
    require_status(cluster, "Running")
    if not cluster.eip_id:
        raise ApiError(a.WRONG_STATE_OTHER, "Cluster has no EIP attached")
    cluster.eip_id = ""
    _touch(cluster, "eip_id")
    return {}


CAPACITY_FIELDS = {
    "MaxCPU": ("max_cpu", "cpu", 4096),
    "MaxMemory": ("max_memory", "memory", 16384),
    "MaxPods": ("max_pods", "pods", 5000),
    "MaxStorage": ("max_storage", None, 102400),
}


def update_capacity(call: Call, p: dict[str, Any]) -> dict:
    cluster = get_cluster(call, p["ClusterID"])
    require_status(cluster, "Running")
    usage = _allocations([cluster.pk]).get(cluster.pk, {})
    changed = []
    for wire_name, (attr, used_key, ceiling) in CAPACITY_FIELDS.items():
        if wire_name not in p:
            continue
        value = p[wire_name]
        used = round(usage.get(used_key) or 0) if used_key else 0
        check(1 <= value <= ceiling, f"{wire_name} must be 1 to {ceiling}")
        check(value >= used, f"{wire_name} {value} is below what is allocated ({used})")
        setattr(cluster, attr, value)
        changed.append(attr)
    if "MaxStorageAllocation" in p:
        value = p["MaxStorageAllocation"]
        check(
            value in catalog.STORAGE_ALLOCATIONS,
            f"MaxStorageAllocation must be one of {catalog.STORAGE_ALLOCATIONS}",
        )
        cluster.max_storage_allocation = value
        changed.append("max_storage_allocation")
    if changed:
        _touch(cluster, *changed)
    return {}


def delete_cluster(call: Call, p: dict[str, Any]) -> dict:
    cluster = get_cluster(call, p["ClusterID"])
    require_status(cluster, "Running", "Abnormal")
    lifecycle.start_deleting(cluster)
    return {}
