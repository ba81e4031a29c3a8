"""localcloud's state: tenants and keys, clusters, super nodes, pods, logs, sessions, faults."""

from __future__ import annotations

from django.db import models


class Tenant(models.Model):
    company_id = models.IntegerField(unique=True)
    name = models.CharField(max_length=100)
    email = models.CharField(max_length=200, blank=True)
    # Quotas and money: CreateCluster refuses with 17005 / 23001 beyond these.
    max_clusters = models.IntegerField(default=50)
    max_cpu = models.IntegerField(default=4096)
    balance = models.FloatField(default=100000.0)

    def __str__(self) -> str:
        return f"{self.company_id} {self.name}"


class Project(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="projects")
    project_id = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    is_default = models.BooleanField(default=False)


class ApiKey(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="keys")
    public_key = models.CharField(max_length=200, unique=True)
    # Sealed with the install's master key (localcloud.keys), never stored in the clear.
    private_key_sealed = models.TextField()
    # Admin keys may act for any tenant by sending CompanyID.
    is_admin = models.BooleanField(default=False)


class Cluster(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="clusters")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="clusters")
    cluster_id = models.CharField(max_length=40, unique=True)
    region = models.CharField(max_length=40, db_index=True)
    name = models.CharField(max_length=200)
    remark = models.TextField(blank=True)
    tags = models.JSONField(default=list)  # [{"Key": ..., "Value": ...}]
    charge_type = models.CharField(max_length=20)
    quantity = models.IntegerField(default=1)
    vpc_id = models.CharField(max_length=60)
    subnet_ids = models.JSONField(default=list)
    service_cidr = models.CharField(max_length=60, blank=True)
    eip_id = models.CharField(max_length=60, blank=True)
    k8s_version = models.CharField(max_length=20)
    storage_class = models.CharField(max_length=60)
    compute_class = models.CharField(max_length=60)
    high_availability = models.CharField(max_length=20, blank=True)
    application_name = models.CharField(max_length=200, blank=True)
    application_reason = models.TextField(blank=True)
    status = models.CharField(max_length=20, db_index=True)
    reason = models.CharField(max_length=300, blank=True)
    max_cpu = models.IntegerField(default=64)
    max_memory = models.IntegerField(default=256)
    max_pods = models.IntegerField(default=200)
    max_storage = models.IntegerField(default=1024)
    max_storage_allocation = models.CharField(max_length=40, default="Shared")
    # Control-plane components: {"ETCD": {"ready_at": epoch, ...}}, advanced by lifecycle.
    control_plane = models.JSONField(default=dict)
    kube_token = models.CharField(max_length=80)
    create_time = models.IntegerField()
    update_time = models.IntegerField()
    expire_time = models.IntegerField(default=0)
    ready_time = models.FloatField(default=0)  # when Creating becomes Running
    gone_time = models.FloatField(default=0)  # when Deleting removes the row
    # The Kubernetes API's resourceVersion: one counter per cluster, raised by each write.
    kube_revision = models.BigIntegerField(default=1)
    # Watches cannot resume from this resourceVersion or older: the deletions before it
    # are no longer kept (KubeTombstone), so they answer 410 Gone and the client relists.
    kube_compacted_revision = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["tenant", "region", "create_time"])]


class SuperNode(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="super_nodes")
    node_name = models.CharField(max_length=100)
    compute_class = models.CharField(max_length=60)
    storage_class = models.CharField(max_length=60)
    status = models.CharField(max_length=20)
    is_default = models.BooleanField(default=False)
    unschedulable = models.BooleanField(default=False)
    max_cpu = models.IntegerField()
    max_memory = models.IntegerField()
    max_pods = models.IntegerField()
    gpu_mdev = models.CharField(max_length=60, blank=True)
    gpu_count = models.IntegerField(default=0)
    create_time = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cluster", "node_name"], name="unique_node_name")
        ]


class Namespace(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="namespaces")
    name = models.CharField(max_length=63)
    uid = models.CharField(max_length=40)
    create_time = models.IntegerField()
    labels = models.JSONField(default=dict)
    resource_version = models.BigIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "name"], name="unique_ns")]


class Pod(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="pods")
    namespace = models.CharField(max_length=63)
    name = models.CharField(max_length=253)
    uid = models.CharField(max_length=40)
    node_name = models.CharField(max_length=100)
    containers = models.JSONField(default=list)  # [{"name": ..., "image": ...}]
    labels = models.JSONField(default=dict)
    phase = models.CharField(max_length=20, default="Running")
    cpu = models.FloatField(default=0.5)
    memory = models.FloatField(default=1.0)
    create_time = models.IntegerField()
    # Log lines are written lazily up to "now" (lifecycle.write_logs); this is how far.
    logs_written_ns = models.BigIntegerField(default=0)
    log_seq = models.IntegerField(default=0)
    # What the Kubernetes API keeps beyond the columns above: annotations, ownerReferences.
    annotations = models.JSONField(default=dict)
    owner_references = models.JSONField(default=list)
    resource_version = models.BigIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cluster", "namespace", "name"], name="unique_pod")
        ]


class LogStream(models.Model):
    """One container's log, named once: its lines carry this small id, not four strings."""

    cluster_id = models.CharField(max_length=40)
    namespace = models.CharField(max_length=63)
    pod = models.CharField(max_length=253)
    container = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cluster_id", "namespace", "pod", "container"], name="unique_log_stream"
            )
        ]


class LogLine(models.Model):
    """A stored log line. Its id is (stream id << 32) + its place in the stream, and a
    stream's times never go back (console/localcloud/logstore.py), so the primary key is
    the (stream, time) order and needs no index of its own. Write through logstore."""

    stream = models.ForeignKey(
        LogStream, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    time_ns = models.BigIntegerField()
    body = models.TextField()


class KubeObject(models.Model):
    """An object of a cluster's Kubernetes API other than pods, namespaces and nodes (which
    live in Pod, Namespace and SuperNode): the whole object as JSON."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="kube_objects")
    resource = models.CharField(max_length=60)  # "deployments.apps", "services", ...
    namespace = models.CharField(max_length=63, blank=True)
    name = models.CharField(max_length=253)
    body = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "resource", "namespace", "name"], name="unique_kube_object"
            )
        ]


class KubeTombstone(models.Model):
    """A deleted object of a cluster's Kubernetes API, kept a few minutes so that a watch
    resuming from an older resourceVersion still sees the deletion (k8s/tombstones.py)."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="kube_tombstones")
    resource = models.CharField(max_length=60)  # as KubeObject.resource: "pods", ...
    namespace = models.CharField(max_length=63, blank=True)
    name = models.CharField(max_length=253)
    revision = models.BigIntegerField()  # the deletion's resourceVersion
    deleted_at = models.FloatField()
    body = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["cluster", "resource", "revision"])]


class ConsoleSession(models.Model):
    session_id = models.CharField(max_length=64, unique=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE)
    kind = models.CharField(max_length=10)  # "exec" or "terminal"
    namespace = models.CharField(max_length=63, blank=True)
    pod = models.CharField(max_length=253, blank=True)
    container = models.CharField(max_length=100, blank=True)
    command = models.CharField(max_length=500, blank=True)
    created = models.FloatField()
    used = models.BooleanField(default=False)


class Operation(models.Model):
    """One call localcloud answered, whoever made it: its own log, apart from the console's
    audit log (`localcloud oplog` reads it)."""

    time = models.DateTimeField(db_index=True)
    public_key = models.CharField(max_length=200, blank=True)
    company_id = models.IntegerField(null=True)
    action = models.CharField(max_length=60)
    params = models.JSONField(default=dict)  # masked: no signature, secrets or bodies
    ret_code = models.IntegerField()
    source = models.CharField(max_length=64, blank=True)


class Fault(models.Model):
    """Fault injection for tests and demos; one row (pk=1), changed with `localcloud faults`."""

    ERROR_KINDS = [("http", "HTTP 503"), ("retcode", "RetCode 199"), ("malformed", "bad JSON")]
    latency_ms = models.IntegerField(default=0)
    error_rate = models.FloatField(default=0.0)
    error_kind = models.CharField(max_length=10, choices=ERROR_KINDS, default="http")
    drop_sessions = models.BooleanField(default=False)

    @classmethod
    def current(cls) -> Fault:
        return cls.objects.filter(pk=1).first() or cls(pk=1)
