"""DescribeCluster's filters and pages, with exact TotalCounts over clusters made here."""

from __future__ import annotations

import pytest

from console.cloud import actions

from .conftest import ACME, REGION, assert_error, assert_ok, unique

pytestmark = pytest.mark.contract


@pytest.fixture(scope="module")
def batch(endpoint) -> dict:
    """Three clusters sharing a word no one else uses: two in their names, one in its
    remark; at localcloud the last one in the tenant's second project."""
    word = unique("lst")
    first = endpoint.create(Name=f"{word}-a")
    assert first["RetCode"] == 0, first
    project = endpoint.describe(first["ClusterID"])["ProjectID"]
    other = f"org-{ACME}-data" if endpoint.local else project
    second = endpoint.create(Name=f"{word}-b", ProjectID=project)
    third = endpoint.create(Name=unique("plain"), Remark=f"about {word}", ProjectID=other)
    for answer in (second, third):
        assert answer["RetCode"] == 0, answer
    return {
        "word": word,
        # Newest first, the order DescribeCluster lists them in.
        "ids": [third["ClusterID"], second["ClusterID"], first["ClusterID"]],
        "projects": [other, project, project],
    }


def describe(call, **params) -> dict:
    answer = call("DescribeCluster", Region=REGION, **params)
    assert_ok(answer, "DescribeCluster")
    return answer


def ids(answer: dict) -> list[str]:
    return [c["ClusterID"] for c in answer["Infos"]]


def test_it_finds_by_keyword_in_name_or_remark_newest_first(call, batch):
    answer = describe(call, Keyword=batch["word"])
    assert answer["TotalCount"] == 3
    assert ids(answer) == batch["ids"]


def test_it_matches_a_keyword_regardless_of_case_and_by_cluster_id(call, batch):
    assert describe(call, Keyword=batch["word"].upper())["TotalCount"] == 3
    by_id = describe(call, Keyword=batch["ids"][0])
    assert ids(by_id) == [batch["ids"][0]] and by_id["TotalCount"] == 1


def test_it_pages_with_limit_and_offset_and_counts_all(call, batch):
    pages = [describe(call, Keyword=batch["word"], Limit=1, Offset=i) for i in range(4)]
    assert [p["TotalCount"] for p in pages] == [3, 3, 3, 3]
    assert [ids(p) for p in pages] == [[i] for i in batch["ids"]] + [[]]
    middle = describe(call, Keyword=batch["word"], Limit=2, Offset=1)
    assert ids(middle) == batch["ids"][1:] and middle["TotalCount"] == 3


def test_it_filters_by_cluster_ids(call, batch):
    two = describe(call, ClusterIDs=batch["ids"][:2])
    assert two["TotalCount"] == 2 and ids(two) == batch["ids"][:2]
    with_keyword = describe(call, ClusterIDs=batch["ids"][:2], Keyword="no-cluster-has-this")
    assert with_keyword["TotalCount"] == 0 and with_keyword["Infos"] == []


def test_it_filters_by_project_ids(call, batch):
    word = batch["word"]
    for project in set(batch["projects"]):
        answer = describe(call, Keyword=word, ProjectIDs=[project])
        expected = [i for i, p in zip(batch["ids"], batch["projects"], strict=True) if p == project]
        assert ids(answer) == expected and answer["TotalCount"] == len(expected)
        assert {c["ProjectID"] for c in answer["Infos"]} == {project}
    both = describe(call, Keyword=word, ProjectIDs=sorted(set(batch["projects"])))
    assert both["TotalCount"] == 3


def test_it_counts_everything_without_filters(call, batch):
    everything = describe(call, Limit=1000)
    assert everything["TotalCount"] == len(everything["Infos"])
    assert set(batch["ids"]) <= set(ids(everything))
    # Counts are compared within one answer: a Deleting cluster may go between two.
    default = describe(call)
    assert len(default["Infos"]) == min(20, default["TotalCount"])
    two = describe(call, Limit=2)
    assert len(two["Infos"]) == min(2, two["TotalCount"])


def test_it_counts_the_seeded_clusters_exactly(local):
    data = describe(local.call, ProjectIDs=[f"org-{ACME}-data"], Keyword="legacy")
    assert [c["Name"] for c in data["Infos"]] == ["legacy-batch"] and data["TotalCount"] == 1
    sh2 = local.call("DescribeCluster", Region="cn-sh2", Keyword="analytics")
    assert [c["Name"] for c in sh2["Infos"]] == ["sh-analytics"] and sh2["TotalCount"] == 1


@pytest.mark.parametrize(("param", "value"), [("Limit", 0), ("Limit", 1001), ("Offset", -1)])
def test_it_refuses_a_page_out_of_range(call, param, value):
    assert_error(call("DescribeCluster", Region=REGION, **{param: value}), actions.CHECK_FAILED)
