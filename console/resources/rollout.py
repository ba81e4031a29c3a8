"""Restart and roll back a workload as kubectl does: `rollout restart` stamps the pod
template with kubectl.kubernetes.io/restartedAt (a new template, so new pods), and
`rollout undo --to-revision` puts back the template of that revision's ReplicaSet."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.web.access import operator_required
from console.web.kubeapi import forward

from .errors import FORWARD_ERRORS, failure
from .kinds import KINDS
from .workload import HASH_LABEL, RESTARTABLE, replicasets_of, revision_of

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


def _page(cluster_id: str, kind_key: str, namespace: str, name: str) -> str:
    return reverse(
        "resources:object",
        kwargs={
            "cluster_id": cluster_id,
            "kind_key": kind_key,
            "namespace": namespace,
            "name": name,
        },
    )


def restart_patch(moment: datetime) -> dict:
    stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}


@require_POST
@operator_required
async def restart(
    request: HttpRequest, cluster_id: str, kind_key: str, namespace: str, name: str
) -> HttpResponse:
    if kind_key not in RESTARTABLE:
        raise Http404("This kind does not restart")
    back = _page(cluster_id, kind_key, namespace, name)
    if request.POST.get("confirm") != "restart":
        messages.error(request, _("Confirm the restart; nothing was restarted."))
        return redirect(back)
    try:
        await forward(
            request,
            cluster_id,
            "PATCH",
            KINDS[kind_key].item(namespace, name),
            restart_patch(datetime.now(UTC)),
            content_type="application/strategic-merge-patch+json",
        )
    except FORWARD_ERRORS as exc:
        messages.error(
            request,
            _("%(name)s was not restarted. %(error)s") % {"name": name, "error": failure(exc)},
        )
    else:
        messages.success(
            request, _("%(name)s is restarting: its pods are being replaced.") % {"name": name}
        )
    return redirect(back)


def undo_patch(replicaset: dict) -> list[dict]:
    """The JSON patch kubectl's undo sends: the ReplicaSet's template, its hash label aside."""
    template = copy.deepcopy((replicaset.get("spec") or {}).get("template") or {})
    labels = (template.get("metadata") or {}).get("labels") or {}
    labels.pop(HASH_LABEL, None)
    return [{"op": "replace", "path": "/spec/template", "value": template}]


@require_POST
@operator_required
async def rollback(
    request: HttpRequest, cluster_id: str, kind_key: str, namespace: str, name: str
) -> HttpResponse:
    if kind_key != "deployments":
        raise Http404("Only deployments roll back here")
    back = _page(cluster_id, kind_key, namespace, name)
    wanted = request.POST.get("revision", "")
    if not (wanted.isascii() and wanted.isdigit()) or request.POST.get("confirm") != wanted:
        messages.error(request, _("Pick a revision and confirm it; nothing was rolled back."))
        return redirect(back)
    kind = KINDS[kind_key]
    try:
        deployment = await forward(request, cluster_id, "GET", kind.item(namespace, name))
        owned = await replicasets_of(request, cluster_id, deployment)
        chosen = next((rs for rs in owned if revision_of(rs) == int(wanted)), None)
        if chosen is None:
            messages.error(
                request,
                _("Revision %(revision)s of %(name)s no longer exists; nothing was rolled back.")
                % {"revision": wanted, "name": name},
            )
            return redirect(back)
        if revision_of(deployment) == int(wanted):
            messages.info(
                request,
                _("%(name)s already runs revision %(revision)s.")
                % {"name": name, "revision": wanted},
            )
            return redirect(back)
        await forward(
            request,
            cluster_id,
            "PATCH",
            kind.item(namespace, name),
            undo_patch(chosen),
            content_type="application/json-patch+json",
        )
    except FORWARD_ERRORS as exc:
        messages.error(
            request,
            _("%(name)s was not rolled back. %(error)s") % {"name": name, "error": failure(exc)},
        )
    else:
        messages.success(
            request,
            _("%(name)s rolled back to the template of revision %(revision)s.")
            % {"name": name, "revision": wanted},
        )
    return redirect(back)
