"""localcloud on its own port: state lives in the database and survives a restart."""

from __future__ import annotations

import base64
import subprocess
import sys

import httpx
import pytest

from tests import servers


@pytest.fixture
def workdir(tmp_path):
    return tmp_path / "cloud"


def test_it_keeps_a_created_cluster_across_a_restart(workdir):
    first = servers.start(workdir, "localcloud")
    try:
        tag = base64.b64encode(b"env").decode() + ":" + base64.b64encode(b"test").decode()
        created = first.call(
            "CreateCluster",
            Region="cn-bj2",
            Name="survivor",
            ChargeType="Dynamic",
            Quantity=0,
            VpcID="vpc-a",
            SubnetID="subnet-a",
            K8SVersion="1.30.6",
            ComputeclassType="ComputeSetStandard",
            StorageclassType="StorageSetSSD",
            TagKeyValuePairs=[tag],
        )
        assert created["RetCode"] == 0, created
    finally:
        first.stop()
    second = servers.start(workdir, "localcloud", seed=False)
    try:
        found = second.call("DescribeCluster", Region="cn-bj2", ClusterIDs=[created["ClusterID"]])
        assert found["RetCode"] == 0
        assert found["Infos"][0]["Name"] == "survivor"
        assert found["Infos"][0]["Tags"] == [{"Key": "env", "Value": "test"}]
    finally:
        second.stop()


def test_it_sets_and_clears_faults_from_the_command_line(workdir):
    server = servers.start(workdir, "localcloud")
    try:
        server.manage("localcloud", "faults", "--error-rate", "1", "--error-kind", "http")
        response = httpx.post(f"{server.url}/api", data={"Action": "DescribeCluster"})
        assert response.status_code == 503
        server.manage("localcloud", "faults", "--clear")
        assert server.call("DescribeCluster", Region="cn-bj2")["RetCode"] == 0
    finally:
        server.stop()


def test_it_refuses_a_fault_rate_above_one(workdir):
    env = servers.server_env(workdir)
    workdir.mkdir(parents=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=servers.ROOT, env=env, check=True
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "localcloud", "faults", "--error-rate", "2"],
        cwd=servers.ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "fraction from 0 to 1" in done.stderr
