"""kubectl top against localcloud's metrics.k8s.io, with each kubectl: pods of every
namespace, one pod's containers, and the super nodes with their share of allocatable."""

from __future__ import annotations

import re

USAGE = re.compile(r"^\d+m$"), re.compile(r"^\d+Mi$")


def rows(text: str) -> list[list[str]]:
    return [line.split() for line in text.strip().splitlines()]


def test_top_pods_of_every_namespace(kubectl):
    table = rows(kubectl("top", "pods", "-A"))
    assert table[0] == ["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"]
    by_name = {row[1]: row for row in table[1:]}
    assert by_name["web-6f7d9c-x2k4p"][0] == "default"
    assert any(row[0] == "kube-system" for row in table[1:])
    for row in table[1:]:
        assert USAGE[0].match(row[2]) and USAGE[1].match(row[3]), row
    selected = rows(kubectl("top", "pods", "-n", "default", "-l", "app=web"))
    assert {row[0] for row in selected[1:]} == {"web-6f7d9c-x2k4p", "web-6f7d9c-q8m3z"}


def test_top_one_pod_by_container(kubectl):
    table = rows(kubectl("top", "pod", "web-6f7d9c-x2k4p", "-n", "default", "--containers"))
    assert table[0] == ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert sorted(row[1] for row in table[1:]) == ["log-shipper", "nginx"]
    # Within the request of each container (500m and 1Gi of the demo's pods).
    for row in table[1:]:
        assert 0 < int(row[2][:-1]) < 500 and 0 < int(row[3][:-2]) < 1024, row
    missing = kubectl.run("top", "pod", "no-such-pod", "-n", "default")
    assert missing.returncode == 1 and "not found" in missing.stderr


def test_top_nodes(kubectl):
    table = rows(kubectl("top", "nodes"))
    assert table[0][:2] == ["NAME", "CPU(cores)"] and "MEMORY(bytes)" in table[0]
    names = [row[0] for row in table[1:]]
    assert "super-node-default" in names
    row = table[1 + names.index("super-node-default")]
    assert USAGE[0].match(row[1]) and row[2].endswith("%") and USAGE[1].match(row[3])
