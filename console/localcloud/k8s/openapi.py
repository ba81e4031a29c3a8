"""The OpenAPI v3 documents kubectl reads before it writes: only enough to show that every
served kind takes `fieldValidation`, so kubectl leaves validation to the server (as with
a real API server) instead of downloading a full schema to validate on the client.

kubectl (cli-runtime's QueryParamVerifierV3) looks for a PATCH operation whose
x-kubernetes-group-version-kind is the object's and whose parameters name fieldValidation;
schemas are left out (kubectl then computes client-side apply patches from its own types).
"""

from __future__ import annotations

from . import resources

ROOT = "/openapi/v3"


def _path_of(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def root() -> dict:
    """The discovery document: one entry per group version, each with its own URL."""
    versions = {("", "v1"), *resources.GROUPS.items()}
    return {
        "paths": {
            _path_of(g, v): {"serverRelativeURL": f"{ROOT}/{_path_of(g, v)}?hash=localcloud"}
            for g, v in sorted(versions)
        }
    }


def group_version(path: str) -> dict | None:
    """The document of one group version (`api/v1`, `apis/apps/v1`), or None."""
    paths = {}
    for r in resources.RESOURCES:
        if _path_of(r.group, r.version) != path or "patch" not in r.verbs:
            continue
        where = f"/{path}/namespaces/{{namespace}}" if r.namespaced else f"/{path}"
        paths[f"{where}/{r.plural}/{{name}}"] = {
            "patch": {
                "operationId": f"patch{r.kind}",
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": {
                    "group": r.group,
                    "version": r.version,
                    "kind": r.kind,
                },
                "parameters": [
                    {"name": name, "in": "query", "schema": {"type": "string"}}
                    for name in ("dryRun", "fieldManager", "fieldValidation", "force")
                ],
                "responses": {"200": {"description": "OK"}},
            }
        }
    if not paths:
        return None
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes (localcloud)", "version": "v1"},
        "paths": paths,
        "components": {"schemas": {}},
    }
