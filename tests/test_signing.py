"""The signature algorithm: the published test vector, byte-order sorting, value formatting."""

from console.cloud.signing import flatten, signature, verify

VECTOR_KEY = "46f09bb9fab4f12dfc160dae12273d5332b5debe"
VECTOR = {
    "Action": "DescribeCluster",
    "Region": "cn-bj2",
    "Limit": 20,
    "PublicKey": "ucloudtest@example.com1296622520000",
    "ClusterIDs.2": "uk8s-b",
    "ClusterIDs.10": "uk8s-k",
}


def test_it_signs_the_published_vector():
    assert signature(VECTOR, VECTOR_KEY) == "d432cdf845544b41f7028bf9121ff972166424dd"


def test_it_sorts_keys_as_byte_strings_so_index_10_comes_before_2():
    swapped = dict(VECTOR)
    swapped["ClusterIDs.2"], swapped["ClusterIDs.10"] = "uk8s-k", "uk8s-b"
    assert signature(swapped, VECTOR_KEY) != signature(VECTOR, VECTOR_KEY)


def test_it_ignores_an_existing_signature_parameter():
    assert signature({**VECTOR, "Signature": "x"}, VECTOR_KEY) == signature(VECTOR, VECTOR_KEY)


def test_it_flattens_arrays_and_objects_in_arrays():
    flat = flatten({"Ids": ["a", "b"], "Backends": [{"Port": 80, "On": True}], "F": 2.0})
    assert flat == {
        "Ids.0": "a",
        "Ids.1": "b",
        "Backends.0.Port": "80",
        "Backends.0.On": "true",
        "F": "2",
    }


def test_it_signs_a_native_array_like_its_flattened_form():
    native = {**{k: v for k, v in VECTOR.items() if "." not in k}, "ClusterIDs": ["x", "y"]}
    flat = {
        **{k: v for k, v in VECTOR.items() if "." not in k},
        "ClusterIDs.0": "x",
        "ClusterIDs.1": "y",
    }
    assert signature(native, VECTOR_KEY) == signature(flat, VECTOR_KEY)


def test_it_verifies_only_the_right_key():
    signed = {**VECTOR, "Signature": signature(VECTOR, VECTOR_KEY)}
    assert verify(signed, VECTOR_KEY)
    assert not verify(signed, "another-key")
    assert not verify(VECTOR, VECTOR_KEY)
