"""What runs inside a cluster, read and changed through ForwardCluster only: a namespace
picker with tabs of objects, each object's YAML and editor, scale and delete."""

from __future__ import annotations

import asyncio
import json

import yaml
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.cloud import actions
from console.cloud.client import CloudError, CloudUnavailable, MaybeApplied
from console.clusters.lookup import get_cluster, unavailable_page
from console.web import cloudcall
from console.web.access import operator_required
from console.web.kubeapi import KubeError, api_path, forward

from . import manifests, workload
from .errors import failure as _failure
from .kinds import KINDS, TABS, Kind, summarize

MAX_REPLICAS = 100


def _kind(key: str) -> Kind:
    if key not in KINDS:
        raise Http404("No such kind")
    return KINDS[key]


async def _list(request, cluster_id: str, kind: Kind, namespace: str) -> dict:
    try:
        body = await forward(request, cluster_id, "GET", kind.collection(namespace))
    except (KubeError, CloudError, CloudUnavailable) as exc:
        return {"kind": kind, "error": _failure(exc), "rows": []}
    rows = [summarize(kind, o) for o in body.get("items", [])]
    return {"kind": kind, "rows": rows, "revision": body.get("metadata", {}).get("resourceVersion")}


async def cluster_objects(request: HttpRequest, cluster_id: str) -> HttpResponse:
    namespace = request.GET.get("namespace") or "default"
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "workloads"
    try:
        cluster = await get_cluster(request, cluster_id)
        names = await forward(request, cluster_id, "GET", api_path("api", "v1", "namespaces"))
    except (CloudError, CloudUnavailable) as exc:
        return unavailable_page(request, cluster_id, exc)
    except KubeError as exc:
        return unavailable_page(
            request, cluster_id, CloudUnavailable(_failure(exc), "ForwardCluster")
        )
    sections = await asyncio.gather(
        *(_list(request, cluster_id, KINDS[key], namespace) for key in TABS[tab][1])
    )
    context = {
        "cluster": cluster,
        "namespace": namespace,
        "namespaces": [n["metadata"]["name"] for n in names.get("items", [])],
        "tab": tab,
        "tabs": [(key, label) for key, (label, _keys) in TABS.items()],
        "sections": sections,
        "max_replicas": MAX_REPLICAS,
        # What the page shows is as of this version: the live watch tells it of later ones.
        "since": max(
            (int(s["revision"]) for s in sections if _digits(s.get("revision"))), default=""
        ),
    }
    template = "resources/_tab.html" if request.htmx else "resources/objects.html"
    return render(request, template, context)


def _digits(value) -> bool:
    return isinstance(value, str) and value.isdigit()


def _objects_url(cluster_id: str, namespace: str, tab: str) -> str:
    url = reverse("resources:objects", kwargs={"cluster_id": cluster_id})
    return f"{url}?namespace={namespace}&tab={tab}"


def _tab_of(kind: Kind) -> str:
    return next(tab for tab, (_label, keys) in TABS.items() if kind.key in keys)


async def object_yaml(
    request: HttpRequest, cluster_id: str, kind_key: str, namespace: str, name: str
) -> HttpResponse:
    """The object as YAML (secret values hidden from viewers); operators edit and apply."""
    kind = _kind(kind_key)
    user = await request.auser()
    context = {
        "cluster_id": cluster_id,
        "kind": kind,
        "namespace": namespace,
        "name": name,
        "back": _objects_url(cluster_id, namespace, _tab_of(kind)),
    }
    status = 200
    if request.method == "POST":
        if not user.has_role("operator"):
            raise PermissionDenied(_("Changing a cluster's objects needs the operator role."))
        text = request.POST.get("manifest", "")
        context["manifest"] = text
        try:
            edited = await asyncio.to_thread(_parse_manifest, text, kind, name)  # CPU
            await forward(request, cluster_id, "PUT", kind.item(namespace, name), edited)
        except ValueError as exc:
            context["error"], status = str(exc), 400
        except (KubeError, CloudError, CloudUnavailable) as exc:
            context["error"], status = (
                _failure(exc),
                409 if isinstance(exc, KubeError) and exc.code == 409 else 400,
            )
            # The object is read again below, so the page shows whether it changed.
            context["maybe_applied"] = isinstance(exc, MaybeApplied)
        else:
            messages.success(
                request, _("%(kind)s %(name)s updated.") % {"kind": kind.label[:-1], "name": name}
            )
            return redirect(request.path)
    try:
        obj = await forward(request, cluster_id, "GET", kind.item(namespace, name))
    except KubeError as exc:
        if exc.code == 404:
            raise Http404(f"{kind.key} {name} does not exist") from None
        return unavailable_page(
            request, cluster_id, CloudUnavailable(_failure(exc), "ForwardCluster")
        )
    except CloudError as exc:
        if exc.ret_code == actions.NOT_FOUND:  # no such cluster for this tenant
            raise Http404(f"Cluster {cluster_id} does not exist") from None
        return unavailable_page(request, cluster_id, exc)
    except CloudUnavailable as exc:
        return unavailable_page(request, cluster_id, exc)
    # Seconds of pure Python for a large object (any viewer can open it): off the loop.
    context["yaml"] = await asyncio.to_thread(
        yaml.safe_dump, obj, sort_keys=False, allow_unicode=True
    )
    context.setdefault("manifest", context["yaml"])
    context["editable"] = kind.editable and user.has_role("operator")
    context.update(await workload.details(request, cluster_id, kind, obj))
    return render(request, "resources/object.html", context, status=status)


def _parse_manifest(text: str, kind: Kind, name: str) -> dict:
    try:
        # No aliases: a few lines of them expand to gigabytes when sent as JSON.
        edited = yaml.load(text, Loader=manifests.NoAliasLoader)  # noqa: S506 - a SafeLoader
        json.dumps(edited, allow_nan=False)
    except RecursionError:
        raise ValueError(_("This document is nested too deeply.")) from None
    except (TypeError, ValueError):
        raise ValueError(
            _(
                "This document has a value JSON cannot carry (binary data, a set, a !!timestamp,"
                " .nan or .inf): quote it as text."
            )
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", exc)
        if mark:
            text = _("This is not valid YAML (line %(line)s, column %(column)s): %(problem)s.") % {
                "line": mark.line + 1,
                "column": mark.column + 1,
                "problem": problem,
            }
        else:
            text = _("This is not valid YAML: %(problem)s.") % {"problem": problem}
        raise ValueError(text) from None
    if not isinstance(edited, dict):
        raise ValueError(_("The YAML must be one object (a mapping), not a list or a value."))
    if (edited.get("metadata") or {}).get("name") != name:
        raise ValueError(
            _("metadata.name must stay %(name)s; create a new object to rename.") % {"name": name}
        )
    return edited


@require_POST
@operator_required
async def object_delete(
    request: HttpRequest, cluster_id: str, kind_key: str, namespace: str, name: str
) -> HttpResponse:
    kind = _kind(kind_key)
    back = _objects_url(cluster_id, namespace, _tab_of(kind))
    if request.POST.get("confirm") != name:
        messages.error(
            request, _("Type %(name)s to confirm; nothing was deleted.") % {"name": name}
        )
        return redirect(back)
    try:
        await forward(request, cluster_id, "DELETE", kind.item(namespace, name))
    except MaybeApplied as exc:
        messages.warning(request, cloudcall.error_text(exc))  # the list, read again, says
    except (KubeError, CloudError, CloudUnavailable) as exc:
        messages.error(
            request,
            _("%(name)s was not deleted. %(error)s") % {"name": name, "error": _failure(exc)},
        )
    else:
        messages.success(
            request, _("%(kind)s %(name)s deleted.") % {"kind": kind.label[:-1], "name": name}
        )
    return redirect(back)


@require_POST
@operator_required
async def object_scale(
    request: HttpRequest, cluster_id: str, kind_key: str, namespace: str, name: str
) -> HttpResponse:
    kind = _kind(kind_key)
    back = _objects_url(cluster_id, namespace, _tab_of(kind))
    text = request.POST.get("replicas", "").strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_REPLICAS:
        messages.error(
            request,
            _("Replicas is a whole number from 0 to %(max)s; %(name)s was not scaled.")
            % {"max": MAX_REPLICAS, "name": name},
        )
        return redirect(back)
    if not kind.scalable:
        raise Http404("This kind does not scale")
    try:
        await forward(
            request,
            cluster_id,
            "PATCH",
            kind.item(namespace, name) + "/scale",
            {"spec": {"replicas": int(text)}},
            content_type="application/merge-patch+json",
        )
    except MaybeApplied as exc:
        messages.warning(request, cloudcall.error_text(exc))
    except (KubeError, CloudError, CloudUnavailable) as exc:
        messages.error(
            request,
            _("%(name)s was not scaled. %(error)s") % {"name": name, "error": _failure(exc)},
        )
    else:
        messages.success(
            request, _("%(name)s scaled to %(replicas)s.") % {"name": name, "replicas": int(text)}
        )
    return redirect(back)
