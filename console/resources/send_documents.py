"""Sending parsed manifest documents to a cluster: each kind found through the cluster's
own discovery (as kubectl finds it), each document POSTed to its collection, as a
server-side dry run (`?dryRun=All`: validated, nothing stored) or for real."""

from __future__ import annotations

import asyncio
import re

import yaml
from django.http import HttpRequest
from django.utils.translation import gettext as _

from console.web.kubeapi import KubeError, api_path, forward

from .errors import FORWARD_ERRORS, failure
from .manifests import Document

_API_VERSION = re.compile(
    r"^(?:(?P<group>[a-z0-9]([-a-z0-9.]*[a-z0-9])?)/)?(?P<version>v[0-9a-z]+)$"
)


class _Unknown(Exception):
    """The cluster serves no such kind: a message for that document."""


async def send_all(
    request: HttpRequest, cluster_id: str, namespace: str, documents: list[Document], *, dry_run
) -> bool:
    """Each document to the cluster in order (dry run: none is stored); False at the first
    failure when creating, after trying them all when only checking."""
    discovered: dict[str, dict] = {}
    made_here: set[str] = set()  # namespaces an earlier document creates
    all_ok = True
    for doc in documents:
        if doc.error:
            all_ok = False
            continue
        try:
            plural, namespaced = await _resource_of(request, cluster_id, doc, discovered)
        except _Unknown as exc:
            doc.error, all_ok = str(exc), False
            continue
        target = _prepare(doc, namespace if namespaced else "")
        collection = _collection(doc.obj["apiVersion"], plural, target)
        try:
            answer = await forward(
                request,
                cluster_id,
                "POST",
                collection + ("?dryRun=All" if dry_run else ""),
                doc.obj,
            )
        except KubeError as exc:
            if dry_run and exc.code == 404 and target in made_here:
                # Its namespace does not exist yet: it will, the moment the earlier one is made.
                doc.outcome = "would be created"
                doc.notes.append(
                    _("Checked only in part: namespace %(namespace)s is created above.")
                    % {"namespace": target}
                )
            else:
                doc.error, all_ok = failure(exc), False
        except FORWARD_ERRORS as exc:
            doc.error, all_ok = failure(exc), False
        else:
            doc.outcome = "would be created" if dry_run else "created"
            doc.answer_yaml = await _as_yaml(answer)
        if doc.kind == "Namespace" and not namespaced and not doc.error:
            made_here.add(doc.name)
        if doc.error and not dry_run:
            return False
    return all_ok


async def _as_yaml(obj: dict) -> str:
    """Pure-Python YAML takes seconds for a large object: off the event loop."""
    return await asyncio.to_thread(yaml.safe_dump, obj, sort_keys=False, allow_unicode=True)


def _prepare(doc: Document, namespace: str) -> str:
    """The namespace this document goes to (its own, or the page's), written into it."""
    meta = doc.obj["metadata"]
    if not namespace:
        return ""
    target = str(meta.get("namespace") or namespace)
    meta["namespace"] = target
    return target


def _collection(api_version: str, plural: str, namespace: str) -> str:
    prefix = ("api", "v1") if api_version == "v1" else ("apis", *api_version.split("/"))
    if namespace:
        return api_path(*prefix, "namespaces", namespace, plural)
    return api_path(*prefix, plural)


async def _resource_of(
    request: HttpRequest, cluster_id: str, doc: Document, discovered: dict[str, dict]
) -> tuple[str, bool]:
    """(plural, namespaced) of the document's kind, from the cluster's own discovery, as
    kubectl finds it; one read per API version of the manifest."""
    api_version = doc.obj["apiVersion"]
    found = _API_VERSION.match(api_version)
    if not found or (not found["group"] and api_version != "v1"):
        raise _Unknown(
            _("apiVersion %(value)s is not a valid API version.") % {"value": api_version}
        )
    if api_version not in discovered:
        prefix = (
            ("api", "v1") if api_version == "v1" else ("apis", found["group"], found["version"])
        )
        try:
            answer = await forward(request, cluster_id, "GET", api_path(*prefix))
        except KubeError as exc:
            if exc.code != 404:
                raise _Unknown(failure(exc)) from None
            answer = {}
        except FORWARD_ERRORS as exc:
            raise _Unknown(failure(exc)) from None
        discovered[api_version] = {
            r.get("kind"): r
            for r in answer.get("resources") or []
            if "/" not in str(r.get("name", ""))
        }
    resource = discovered[api_version].get(doc.kind)
    if resource is None:
        raise _Unknown(
            _("This cluster serves no kind %(kind)s in %(api_version)s.")
            % {"kind": doc.kind, "api_version": api_version}
        )
    return str(resource["name"]), bool(resource.get("namespaced"))
