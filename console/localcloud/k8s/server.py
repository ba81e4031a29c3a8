"""One cluster's Kubernetes API server: discovery, and list/get/create/replace/patch/delete
of every resource in resources.py, with resourceVersion, Status errors and Table output.
Reached through ForwardCluster and directly at /k8s/<cluster>/ (views.py)."""

from __future__ import annotations

import base64
import copy
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote

from django.db import transaction

from ..models import Cluster
from ..wire import depth
from . import codec_protobuf, controllers, metrics_api, openapi, patches, resources
from .resources import SCALABLE, Resource
from .schema import unknown_fields
from .selectors import SelectorError, field_matcher, label_matcher
from .store import store_for, timestamp
from .table import as_table

MAX_BODY = 1_000_000
MAX_OBJECT_DEPTH = 100  # arrays and objects in one object; real manifests stay far below
_TOO_DEEP = f"the request body is nested more than {MAX_OBJECT_DEPTH} levels deep"
NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_PATH = re.compile(
    r"^/(?:api/(?P<core>v1)|apis/(?P<group>[a-z0-9.-]+)/(?P<version>v[0-9a-z]+))"
    r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<plural>[a-z]+)(?:/(?P<name>[^/]+))?(?:/(?P<sub>[a-z]+))?/?$"
)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    accept: str = "application/json"
    content_type: str = "application/json"
    body: bytes = b""
    warnings: list[str] = field(default_factory=list)  # sent back as Warning headers

    def arg(self, name: str, default: str = "") -> str:
        return (self.query.get(name) or [default])[0]


@dataclass
class Response:
    code: int
    body: dict
    warnings: list[str] = field(default_factory=list)

    @property
    def json(self) -> str:
        return json.dumps(self.body)


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.response = Response(code, status_object(code, reason, message, details))


def status_object(code: int, reason: str, message: str, details: dict | None = None) -> dict:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


def _not_found(resource: Resource, name: str) -> ApiError:
    what = f"{resource.plural}.{resource.group}" if resource.group else resource.plural
    details = {"name": name, "group": resource.group, "kind": resource.plural}
    return ApiError(404, "NotFound", f'{what} "{name}" not found', details)


def handle(cluster: Cluster, request: Request) -> Response:
    """Answer one request; never raises for a bad request (a Status object instead)."""
    try:
        if len(request.body) > MAX_BODY:
            raise ApiError(413, "RequestEntityTooLarge", "the request body is too large")
        with transaction.atomic():
            controllers.advance(cluster)  # jobs and daemonsets move on with time
            response = _route(cluster, request)
        response.warnings = request.warnings
        return response
    except ApiError as exc:
        return exc.response


def _route(cluster: Cluster, request: Request) -> Response:
    path = unquote(request.path.split("?", 1)[0]).rstrip("/") or "/"
    if metrics_api.handles(path):
        return metrics_api.answer(cluster, request, path)
    if request.method == "GET":
        if path == "/version":
            major, minor, _ = cluster.k8s_version.split(".")
            return Response(
                200,
                {
                    "major": major,
                    "minor": minor,
                    "gitVersion": f"v{cluster.k8s_version}",
                    "platform": "linux/amd64",
                },
            )
        if path == "/api":
            return Response(
                200,
                {
                    "kind": "APIVersions",
                    "versions": ["v1"],
                    "serverAddressByClientCIDRs": [
                        {"clientCIDR": "0.0.0.0/0", "serverAddress": ""}
                    ],
                },
            )
        if path == "/apis":
            return Response(200, resources.api_group_list())
        if path == openapi.ROOT:
            return Response(200, openapi.root())
        if path.startswith(openapi.ROOT + "/") and (
            document := openapi.group_version(path.removeprefix(openapi.ROOT + "/"))
        ):
            return Response(200, document)
        if path == "/api/v1":
            return Response(200, resources.api_resource_list("", "v1"))
        found = re.fullmatch(r"/apis/([a-z0-9.-]+)/(v\w+)", path)
        if found and resources.GROUPS.get(found[1]) == found[2]:
            return Response(200, resources.api_resource_list(found[1], found[2]))
        if found and found[1] in resources.GROUPS:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
    match = _PATH.match(path)
    if not match:
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    group = match["group"] or ""
    version = match["core"] or match["version"]
    resource = resources.find(group, version, match["plural"])
    namespace, name, sub = match["ns"], match["name"], match["sub"]
    if resource is None or (namespace and not resource.namespaced):
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    if (
        sub
        and not (sub == "scale" and resource.plural in SCALABLE)
        and not (sub == "status" and name)
    ):
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    # A missing namespace lists as empty (as on a real server) but holds nothing to get.
    in_missing_namespace = namespace and not _namespace_exists(cluster, namespace)
    if in_missing_namespace and (request.method != "GET" or name):
        raise ApiError(
            404,
            "NotFound",
            f'namespaces "{namespace}" not found',
            {"name": namespace, "kind": "namespaces"},
        )
    if name is None:
        if request.method == "GET":
            return _list(cluster, resource, namespace, request)
        if request.method == "POST":
            return _create(cluster, resource, namespace, request)
        raise ApiError(405, "MethodNotAllowed", f"{request.method} is not allowed on a collection")
    if sub == "scale":
        return _scale(cluster, resource, namespace or "", name, request)
    if request.method == "GET":
        return Response(200, _get(cluster, resource, namespace or "", name))
    if request.method == "PUT":
        obj = _checked(_body(request), resource.kind, request)
        return _replace(cluster, resource, namespace or "", name, obj, dry_run=_dry(request))
    if request.method == "PATCH":
        return _patch(cluster, resource, namespace or "", name, request)
    if request.method == "DELETE":
        return _delete(cluster, resource, namespace or "", name, dry_run=_dry(request))
    raise ApiError(405, "MethodNotAllowed", f"{request.method} is not allowed")


def _dry(request: Request) -> bool:
    """?dryRun=All (or, for a delete, DeleteOptions' dryRun, as kubectl sends it):
    validated and answered as if done, and nothing stored or counted."""
    if request.arg("dryRun"):
        return True
    if request.method != "DELETE" or not request.body:
        return False
    try:
        options = json.loads(request.body)
    except ValueError:
        return False
    return isinstance(options, dict) and bool(options.get("dryRun"))


def _namespace_exists(cluster: Cluster, namespace: str) -> bool:
    return cluster.namespaces.filter(name=namespace).exists()


def _writable(resource: Resource) -> None:
    if "create" not in resource.verbs:
        raise ApiError(
            405,
            "MethodNotAllowed",
            f"{resource.plural} are read-only here: they are the cluster's super nodes",
        )


def _get(cluster: Cluster, resource: Resource, namespace: str, name: str) -> dict:
    obj = store_for(resource).get(cluster, namespace, name)
    if obj is None:
        raise _not_found(resource, name)
    return obj


def _list(
    cluster: Cluster, resource: Resource, namespace: str | None, request: Request
) -> Response:
    if request.arg("watch") in ("1", "true"):
        raise ApiError(405, "MethodNotAllowed", "watch is not supported by localcloud")
    try:
        labels = label_matcher(request.arg("labelSelector"))
        fields = field_matcher(request.arg("fieldSelector"))
    except SelectorError as exc:
        raise ApiError(400, "BadRequest", str(exc)) from None
    items = [
        o
        for o in store_for(resource).list(cluster, namespace)
        if labels(o["metadata"].get("labels")) and fields(o)
    ]
    start = _continue_offset(request.arg("continue"))
    limit = request.arg("limit")
    meta = {"resourceVersion": str(cluster.kube_revision)}
    if limit:
        if not limit.isdigit() or int(limit) < 1:
            raise ApiError(400, "BadRequest", "limit must be a positive integer")
        end = start + int(limit)
        if end < len(items):
            meta["continue"] = base64.urlsafe_b64encode(
                json.dumps({"offset": end}).encode()
            ).decode()
            meta["remainingItemCount"] = len(items) - end
        items = items[start:end]
    else:
        items = items[start:]
    if "as=Table" in request.accept:
        table = as_table(resource.kind, items, meta["resourceVersion"])
        table["metadata"].update({k: v for k, v in meta.items() if k != "resourceVersion"})
        return Response(200, table)
    return Response(
        200,
        {
            "kind": f"{resource.kind}List",
            "apiVersion": resource.api_version,
            "metadata": meta,
            "items": items,
        },
    )


def _continue_offset(token: str) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["offset"])
    except (ValueError, KeyError, TypeError):
        raise ApiError(400, "BadRequest", "the continue token is not valid") from None


def _not_json(constant: str):
    """NaN and Infinity, which Python's parser accepts and JSON (and the store) does not."""
    raise ValueError(constant)


def _body(request: Request) -> dict:
    try:
        if request.content_type.split(";")[0].strip() == codec_protobuf.CONTENT_TYPE:
            body = codec_protobuf.decode(request.body)
        else:
            body = json.loads(request.body or b"null", parse_constant=_not_json)
    except codec_protobuf.ProtobufError as exc:
        raise ApiError(400, "BadRequest", str(exc)) from None
    except ValueError:
        raise ApiError(
            400, "BadRequest", "the request body is neither JSON nor Kubernetes protobuf"
        ) from None
    except RecursionError:
        raise ApiError(400, "BadRequest", _TOO_DEEP) from None
    # Objects are copied and written out recursively; a hostile depth must stop here.
    if depth(body, MAX_OBJECT_DEPTH) > MAX_OBJECT_DEPTH:
        raise ApiError(400, "BadRequest", _TOO_DEEP)
    if not isinstance(body, dict):
        raise ApiError(400, "BadRequest", "the request body must be a JSON object")
    return body


def _invalid(resource: Resource, name: str, message: str) -> ApiError:
    return ApiError(
        422,
        "Invalid",
        f'{resource.kind} "{name}" is invalid: {message}',
        {"name": name, "group": resource.group, "kind": resource.kind},
    )


def _validate(resource: Resource, namespace: str | None, obj: dict) -> dict:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        raise _invalid(resource, "", "metadata: Required value")
    name = meta.get("name") or ""
    if obj.get("kind", resource.kind) != resource.kind:
        raise ApiError(400, "BadRequest", f"the body is a {obj.get('kind')}, not a {resource.kind}")
    if not isinstance(name, str) or not NAME.match(name):
        raise _invalid(
            resource,
            str(name),
            "metadata.name: Invalid value: a lowercase RFC 1123 name is required",
        )
    if namespace and meta.get("namespace", namespace) != namespace:
        raise ApiError(
            400,
            "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request",
        )
    if resource.kind in ("Deployment", "ReplicaSet", "StatefulSet"):
        spec = obj.get("spec") or {}
        replicas = spec.get("replicas", 1)
        if not isinstance(replicas, int) or isinstance(replicas, bool) or not 0 <= replicas <= 100:
            raise _invalid(resource, name, "spec.replicas: Invalid value: must be 0 to 100 here")
        containers = ((spec.get("template") or {}).get("spec") or {}).get("containers")
        if not containers:
            raise _invalid(resource, name, "spec.template.spec.containers: Required value")
    if resource.kind == "Pod" and not (obj.get("spec") or {}).get("containers"):
        raise _invalid(resource, name, "spec.containers: Required value")
    for container in _containers(obj):
        if not isinstance(container, dict) or not NAME.match(str(container.get("name", ""))):
            raise _invalid(resource, name, "containers: every container needs a lowercase name")
    obj["kind"], obj["apiVersion"] = resource.kind, resource.api_version
    if resource.namespaced:
        meta["namespace"] = namespace
    return obj


def _containers(obj: dict) -> list:
    spec = obj.get("spec") or {}
    inner = (spec.get("template") or {}).get("spec") or spec
    found = inner.get("containers") or []
    return found if isinstance(found, list) else [None]


def _create(
    cluster: Cluster, resource: Resource, namespace: str | None, request: Request
) -> Response:
    obj = _checked(_body(request), resource.kind, request)
    return _create_object(cluster, resource, namespace, obj, request)


def _checked(obj: dict, kind: str, request: Request) -> dict:
    """obj, after fieldValidation (Strict, Warn: the default, Ignore) of its JSON fields.
    A protobuf body has none to check: its decoder drops unknown numbers, as the API
    server's does."""
    directive = request.arg("fieldValidation", "Warn")
    if directive not in ("Strict", "Warn", "Ignore"):
        raise ApiError(
            400, "BadRequest", f"fieldValidation {directive!r} is not Strict, Warn or Ignore"
        )
    if codec_protobuf.CONTENT_TYPE in request.content_type:
        return obj
    found = unknown_fields(obj, kind, drop=directive != "Strict")
    unknown = [f'unknown field "{path}"' for path in found]
    if unknown and directive == "Strict":
        version = (obj.get("apiVersion") or "v1").rsplit("/", 1)[-1]
        raise ApiError(
            400,
            "BadRequest",
            f'{kind} in version "{version}" cannot be handled as a {kind}: '
            f"strict decoding error: {', '.join(unknown)}",
        )
    if directive == "Warn":
        request.warnings += unknown
    return obj


def _create_object(
    cluster: Cluster, resource: Resource, namespace: str | None, obj: dict, request: Request
) -> Response:
    _writable(resource)
    obj = _validate(resource, namespace, obj)
    name = obj["metadata"]["name"]
    store = store_for(resource)
    if store.get(cluster, namespace or "", name) is not None:
        what = f"{resource.plural}.{resource.group}" if resource.group else resource.plural
        raise ApiError(
            409,
            "AlreadyExists",
            f'{what} "{name}" already exists',
            {"name": name, "group": resource.group, "kind": resource.plural},
        )
    meta = obj["metadata"]
    if _dry(request):  # as the API server answers a dry run: no resourceVersion yet
        fresh = {"uid": str(uuid.uuid4()), "creationTimestamp": timestamp(time.time())}
    else:
        fresh = controllers.new_metadata(cluster, name, namespace or "")
    for key in ("uid", "resourceVersion", "creationTimestamp"):
        meta.pop(key, None)
        if key in fresh:
            meta[key] = fresh[key]
    if not resource.namespaced:
        meta.pop("namespace", None)
    meta["generation"] = 1
    if _dry(request):
        return Response(201, obj)
    saved = store.save(cluster, obj)
    controllers.reconcile(cluster, saved, created=True)
    return Response(201, store.get(cluster, namespace or "", name))


def _replace(
    cluster: Cluster,
    resource: Resource,
    namespace: str,
    name: str,
    obj: dict,
    check_version: bool = True,
    dry_run: bool = False,
) -> Response:
    _writable(resource)
    current = _get(cluster, resource, namespace, name)
    obj = _validate(resource, namespace or None, obj)
    meta = obj["metadata"]
    if meta["name"] != name:
        raise ApiError(
            400, "BadRequest", "the name of the object does not match the name on the URL"
        )
    sent = meta.get("resourceVersion")
    if check_version and sent and sent != current["metadata"]["resourceVersion"]:
        what = f"{resource.plural}.{resource.group}" if resource.group else resource.plural
        raise ApiError(
            409,
            "Conflict",
            f'Operation cannot be fulfilled on {what} "{name}": '
            "the object has been modified; please apply your changes to the latest version "
            "and try again",
            {"name": name, "group": resource.group, "kind": resource.plural},
        )
    for key in ("uid", "creationTimestamp"):
        meta[key] = current["metadata"][key]
    if not resource.namespaced:
        meta.pop("namespace", None)
    changed = obj.get("spec") != current.get("spec")
    meta["generation"] = current["metadata"].get("generation", 1) + (1 if changed else 0)
    obj.setdefault("status", current.get("status", {}))
    if dry_run:
        meta["resourceVersion"] = current["metadata"]["resourceVersion"]
        return Response(200, obj)
    meta["resourceVersion"] = str(controllers.next_revision(cluster))
    store = store_for(resource)
    saved = store.save(cluster, obj)
    controllers.reconcile(cluster, saved)
    return Response(200, store.get(cluster, namespace, name))


def _patched(current: dict | None, object_kind: str, request: Request) -> dict:
    """The object a PATCH asks for (current is None: an apply that creates)."""
    try:
        kind = patches.media_type(request.content_type)
        doc = patches.parse(kind, request.body)
        if depth(doc, MAX_OBJECT_DEPTH) > MAX_OBJECT_DEPTH:
            raise ApiError(400, "BadRequest", _TOO_DEEP)
        if kind != patches.JSON_PATCH:
            _checked(doc, object_kind, request)
        if kind == patches.JSON_PATCH:
            return patches.json_patch(current, doc)
        if kind == patches.MERGE_PATCH:
            return patches.merge_patch(current, doc)
        if kind == patches.STRATEGIC:
            return patches.strategic_merge(current, doc, object_kind)
        manager = request.arg("fieldManager")
        force = request.arg("force") in ("1", "true")
        return patches.server_side_apply(current, doc, object_kind, manager, force)
    except patches.PatchError as exc:
        raise ApiError(exc.code, exc.reason, str(exc), exc.details) from None


def _patch(
    cluster: Cluster, resource: Resource, namespace: str, name: str, request: Request
) -> Response:
    current = store_for(resource).get(cluster, namespace, name)
    if current is None and not request.content_type.startswith(patches.APPLY):
        raise _not_found(resource, name)
    wanted = _patched(current, resource.kind, request)
    if current is None:
        if (wanted.get("metadata") or {}).get("name", name) != name:
            raise ApiError(
                400, "BadRequest", "the name of the object does not match the name on the URL"
            )
        wanted.setdefault("metadata", {})["name"] = name
        return _create_object(cluster, resource, namespace or None, wanted, request)
    return _replace(
        cluster, resource, namespace, name, wanted, check_version=False, dry_run=_dry(request)
    )


def _delete(
    cluster: Cluster, resource: Resource, namespace: str, name: str, dry_run: bool = False
) -> Response:
    _writable(resource)
    obj = _get(cluster, resource, namespace, name)
    if dry_run:
        return Response(200, obj)
    controllers.delete_owned(cluster, obj)
    store_for(resource).delete(cluster, namespace, name)
    controllers.after_delete(cluster, obj)
    controllers.next_revision(cluster)
    if resource.plural == "namespaces":
        obj["status"] = {"phase": "Terminating"}
    return Response(200, obj)


def _scale(
    cluster: Cluster, resource: Resource, namespace: str, name: str, request: Request
) -> Response:
    current = _get(cluster, resource, namespace, name)
    scale = {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: current["metadata"][k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        },
        "spec": {"replicas": (current.get("spec") or {}).get("replicas", 1)},
        "status": {"replicas": (current.get("status") or {}).get("replicas", 0)},
    }
    if request.method == "GET":
        return Response(200, scale)
    if request.method == "PATCH":
        wanted = _patched(scale, "Scale", request)
    elif request.method == "PUT":
        wanted = _body(request)
    else:
        raise ApiError(405, "MethodNotAllowed", f"{request.method} is not allowed on scale")
    replicas = (wanted.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        raise _invalid(resource, name, "spec.replicas: Required value")
    if _dry(request):
        scale["spec"]["replicas"] = replicas
        return Response(200, scale)
    changed = copy.deepcopy(current)
    changed.setdefault("spec", {})["replicas"] = replicas
    _replace(cluster, resource, namespace, name, changed, check_version=False)
    updated = _get(cluster, resource, namespace, name)
    scale["spec"]["replicas"] = replicas
    scale["status"]["replicas"] = (updated.get("status") or {}).get("replicas", replicas)
    scale["metadata"]["resourceVersion"] = updated["metadata"]["resourceVersion"]
    return Response(200, scale)


def parse_path(full_path: str) -> tuple[str, dict[str, list[str]]]:
    path, _, query = full_path.partition("?")
    return path, parse_qs(query)
