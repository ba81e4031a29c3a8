"""The lowest role allowed to call each of the 18 actions: the one table the console
enforces for every view and websocket (console/web/cloudcall.py checks it on each call)."""

from __future__ import annotations

from console.accounts.models import Role

ACTION_ROLES: dict[str, str] = {
    # Reading: every signed-in user of the tenant.
    "DescribeCluster": Role.VIEWER,
    "DescribeSuperNode": Role.VIEWER,
    "GetClusterPrice": Role.VIEWER,
    "GetClusterPaymentOfPremium": Role.VIEWER,
    "GetContainerLogs": Role.VIEWER,
    # Reads for everyone; its writes need an operator (console/web/kubeapi.py checks the method).
    "ForwardCluster": Role.VIEWER,
    # Changing clusters, nodes, and getting a shell: operators.
    "CreateCluster": Role.OPERATOR,
    "UpdateCluster": Role.OPERATOR,
    "AttachClusterEIP": Role.OPERATOR,
    "DetachClusterEIP": Role.OPERATOR,
    "UpdateClusterCapacity": Role.OPERATOR,
    "DeleteCluster": Role.OPERATOR,
    "CreateSuperNode": Role.OPERATOR,
    "UpdateSuperNode": Role.OPERATOR,
    "DeleteSuperNode": Role.OPERATOR,
    "UpdateSuperNodeGPU": Role.OPERATOR,
    "AllocateK8SSession": Role.OPERATOR,
    "AllocateK8STerminal": Role.OPERATOR,
}


def changes_state(action: str, params: dict) -> bool:
    """Whether a call changes something (and so is audited)."""
    if action == "ForwardCluster":
        return str(params.get("Method", "GET")).upper() != "GET"
    return ACTION_ROLES[action] != Role.VIEWER
