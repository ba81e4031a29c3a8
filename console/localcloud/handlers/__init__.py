"""The handler of each action: (Call, validated params) -> response fields."""

from __future__ import annotations

from .clusters import (
    attach_eip,
    create_cluster,
    delete_cluster,
    describe_cluster,
    detach_eip,
    update_capacity,
    update_cluster,
)
from .forward import forward_cluster
from .logs import get_container_logs
from .pricing import get_cluster_price, get_premium
from .sessions import allocate_session, allocate_terminal
from .supernodes import (
    create_super_node,
    delete_super_node,
    describe_super_node,
    update_gpu,
    update_super_node,
)

HANDLERS = {
    "ForwardCluster": forward_cluster,
    "AllocateK8SSession": allocate_session,
    "AllocateK8STerminal": allocate_terminal,
    "GetClusterPrice": get_cluster_price,
    "CreateCluster": create_cluster,
    "DescribeCluster": describe_cluster,
    "UpdateCluster": update_cluster,
    "AttachClusterEIP": attach_eip,
    "DetachClusterEIP": detach_eip,
    "UpdateClusterCapacity": update_capacity,
    "DeleteCluster": delete_cluster,
    "CreateSuperNode": create_super_node,
    "DescribeSuperNode": describe_super_node,
    "UpdateSuperNode": update_super_node,
    "DeleteSuperNode": delete_super_node,
    "GetContainerLogs": get_container_logs,
    "UpdateSuperNodeGPU": update_gpu,
    "GetClusterPaymentOfPremium": get_premium,
}
