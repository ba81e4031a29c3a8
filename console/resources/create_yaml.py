"""Create objects from pasted YAML: a server-side dry run of every document first (what
would be created, or why not, per document), then the real creates in order. Nothing is
created unless every document passed its dry run; the text is kept whatever happens."""

from __future__ import annotations

import asyncio

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from console.cloud.client import CloudError, CloudUnavailable
from console.clusters.lookup import get_cluster, unavailable_page
from console.web.access import operator_required

from . import manifests
from .manifests import Document
from .namespaces import namespace_names
from .send_documents import send_all


@operator_required
async def create_from_yaml(request: HttpRequest, cluster_id: str) -> HttpResponse:
    namespace = (request.POST or request.GET).get("namespace") or "default"
    try:
        cluster = await get_cluster(request, cluster_id)
    except (CloudError, CloudUnavailable) as exc:
        return unavailable_page(request, cluster_id, exc)
    context = {"cluster": cluster, "namespace": namespace, "manifest": "", "documents": []}
    context["namespaces"] = await namespace_names(request, cluster_id)
    status = 200
    if request.method == "POST":
        context["manifest"] = text = request.POST.get("manifest", "")
        dry_run = request.POST.get("action") != "create"
        try:
            # Pure-Python YAML: 256 KiB of keys take seconds, off the event loop.
            documents = await asyncio.to_thread(manifests.parse, text)
        except ValueError as exc:
            context["error"], status = str(exc), 400
        else:
            context["documents"] = documents
            context["dry_run"] = dry_run
            ok = await send_all(request, cluster_id, namespace, documents, dry_run=True)
            if not ok:
                context["error"], status = _refused(dry_run), 400
            elif not dry_run:
                for doc in documents:  # those after a failure then read "not sent"
                    doc.outcome, doc.answer_yaml = "", ""
                ok = await send_all(request, cluster_id, namespace, documents, dry_run=False)
                if ok:
                    context["created"] = True
                else:
                    context["error"], status = _created_partly(documents), 400
    return render(request, "resources/create_yaml.html", context, status=status)


def _refused(dry_run: bool) -> str:
    if dry_run:
        return _("Not every document would be created: see the documents below.")
    return _("Nothing was created: see the documents below.")


def _created_partly(documents: list[Document]) -> str:
    made = sum(1 for d in documents if d.outcome == "created")
    return _(
        "%(made)d of %(total)d documents were created before one failed; the ones after it"
        " were not sent."
    ) % {"made": made, "total": len(documents)}
