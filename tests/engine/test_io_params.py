"""Parameter files: .npz, JSON and safetensors round trips, and what each reader refuses."""

from __future__ import annotations

import io
import json
import struct
import zipfile

import numpy as np
import pytest
import safetensors.numpy
from lstm_explorer.engine.init import init_params
from lstm_explorer.engine.io_params import FORMATS, Limits, dump_params, load_params, read_arrays
from lstm_explorer.engine.spec import ModelSpec, check_params
from lstm_explorer.engine.variants import Variant

SPECS = {
    "vanilla": ModelSpec("lstm", 3, 4, 2),
    "NP": ModelSpec("lstm", 3, 4, 2, Variant.parse("NP")),
    "FGR": ModelSpec("lstm", 2, 3, 1, Variant.parse("FGR")),
    "NP+CIFG": ModelSpec("lstm", 1, 2, 3, Variant.parse("NP+CIFG")),
    "rnn": ModelSpec("rnn", 3, 5, 2),
}
SMALL = Limits(max_input_size=8, max_hidden_size=8, max_output_size=8, max_bytes=2**16)


def params_of(name: str, dtype: type = np.float64) -> dict[str, np.ndarray]:
    return {k: v.astype(dtype) for k, v in init_params(SPECS[name], seed=1).items()}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", list(SPECS))
def test_parameters_survive_a_round_trip_through_each_format(fmt: str, name: str) -> None:
    params = params_of(name)
    loaded = load_params(dump_params(params, fmt), fmt)
    assert loaded.keys() == params.keys()
    for key in params:
        np.testing.assert_array_equal(loaded[key], params[key], err_msg=key)
    check_params(SPECS[name], loaded)


@pytest.mark.parametrize("fmt", ["npz", "safetensors"])
@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_smaller_floats_are_read_as_float64_with_the_same_values(fmt: str, dtype: type) -> None:
    params = params_of("NP", dtype)
    loaded = load_params(dump_params(params, fmt), fmt)
    assert all(a.dtype == np.float64 for a in loaded.values())
    np.testing.assert_array_equal(loaded["W_z"], params["W_z"].astype(np.float64))


def test_json_text_is_accepted_as_well_as_bytes() -> None:
    text = dump_params(params_of("rnn"), "json").decode()
    assert load_params(text, "json").keys() == params_of("rnn").keys()


def test_a_compressed_npz_is_read_too() -> None:
    buf = io.BytesIO()
    np.savez_compressed(buf, **params_of("vanilla"))
    assert load_params(buf.getvalue(), "npz").keys() == params_of("vanilla").keys()


def test_read_arrays_keeps_foreign_names_for_the_framework_importers() -> None:
    arrays = {"lstm.weight_ih_l0": np.ones((8, 3), np.float32)}
    for fmt in FORMATS:
        assert read_arrays(dump_params(arrays, fmt), fmt)["lstm.weight_ih_l0"].shape == (8, 3)


def npz_bytes(**arrays: object) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_a_pickled_npz_is_refused_before_anything_is_unpickled() -> None:
    data = npz_bytes(W_z=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(ValueError, match="W_z: dtype object is not float16/32/64"):
        load_params(data, "npz")


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        pytest.param(
            {"W_q": np.zeros((4, 3))}, "'W_q': not a parameter of the notation", id="unknown name"
        ),
        pytest.param({"W_z": np.zeros(4)}, r"W_z: expected shape \(H, D\)", id="wrong rank"),
        pytest.param(
            {"W_z": np.zeros((4, 3)), "R_z": np.zeros((4, 5))},
            r"R_z: expected shape \(H, H\) with H = 4 as in W_z",
            id="inconsistent H",
        ),
        pytest.param({"W_z": np.zeros((4, 3), dtype=np.int64)}, "W_z: dtype int64", id="integers"),
        pytest.param(
            {"W_z": np.zeros((4, 3), dtype=np.complex128)}, "W_z: dtype complex128", id="complex"
        ),
        pytest.param({"W_z": np.zeros((4, 3), dtype=bool)}, "W_z: dtype bool", id="booleans"),
        pytest.param({"W_z": np.full((4, 3), np.nan)}, "W_z: contains NaN or Inf", id="NaN"),
        pytest.param(
            {"W_z": np.zeros((4, 3)), "U": np.zeros((4, 3))}, "mixes RNN", id="mixed cells"
        ),
        pytest.param(
            {"W_z": np.zeros((9, 3))},
            r"W_z: expected shape \(H, D\) with H in 1..8",
            id="over the hidden limit",
        ),
        pytest.param(
            {"V": np.zeros((0, 3))}, r"V: expected shape \(O, H\) with O in 1..8", id="empty axis"
        ),
    ],
)
def test_bad_npz_parameters_are_refused_naming_the_parameter(arrays: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_params(npz_bytes(**arrays), "npz", SMALL)


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        pytest.param([1, 2], "expected an object", id="a list, not an object"),
        pytest.param({}, "no arrays", id="empty object"),
        pytest.param({"b_z": []}, "b_z: expected a non-empty list", id="empty list"),
        pytest.param({"b_z": 3.0}, "b_z: expected a non-empty list", id="a scalar"),
        pytest.param({"W_z": [[1.0, 2.0], [3.0]]}, r"W_z\[1\]: expected 2 numbers", id="ragged"),
        pytest.param(
            {"W_z": [[1.0], 2.0]}, "W_z: expected a non-empty list", id="rows and numbers mixed"
        ),
        pytest.param({"W_z": [[[1.0]]]}, r"W_z\[0\]: expected 1 numbers", id="three levels"),
        pytest.param({"b_z": [True, False]}, "b_z: expected a non-empty list", id="booleans"),
        pytest.param({"b_z": ["1"]}, "b_z: expected a non-empty list", id="strings"),
        pytest.param({"b_z": [10**400]}, "b_z: a number too large", id="huge integer"),
        pytest.param({"b_z": [float("inf")]}, "b_z: contains NaN or Inf", id="Infinity"),
    ],
)
def test_bad_json_parameters_are_refused_naming_the_parameter(obj: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_params(json.dumps(obj), "json", SMALL)


@pytest.mark.parametrize(
    "text",
    ["{", "not json", "[" * 100_000 + "]" * 100_000, '{"b_z": NaN'],
    ids=["truncated", "not json", "deeply nested", "unterminated"],
)
def test_malformed_json_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="json"):
        load_params(text, "json", Limits(max_bytes=2**20))


def safetensors_bytes(header: dict, payload: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + payload


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "shorter than its 8-byte header", id="empty"),
        pytest.param(struct.pack("<Q", 10**12) + b"{}", "runs past the end", id="header too long"),
        pytest.param(struct.pack("<Q", 2) + b"[]", "not a JSON object", id="header a list"),
        pytest.param(struct.pack("<Q", 3) + b"{x}", "not valid JSON", id="header not JSON"),
        pytest.param(
            safetensors_bytes(
                {"W_z": {"dtype": "I64", "shape": [4, 3], "data_offsets": [0, 96]}}, bytes(96)
            ),
            "W_z: dtype 'I64' is not F16, F32 or F64",
            id="integers",
        ),
        pytest.param(
            safetensors_bytes(
                {"W_z": {"dtype": "BF16", "shape": [4, 3], "data_offsets": [0, 24]}}, bytes(24)
            ),
            "W_z: dtype 'BF16'",
            id="bfloat16",
        ),
        pytest.param(
            safetensors_bytes(
                {"W_z": {"dtype": "F64", "shape": [10**6, 10**6], "data_offsets": [0, 8]}}, bytes(8)
            ),
            r"W_z: expected shape \(H, D\) with H in 1..8",
            id="huge declared shape",
        ),
        pytest.param(
            safetensors_bytes(
                {"W_z": {"dtype": "F64", "shape": [4, -3], "data_offsets": [0, 8]}}, bytes(8)
            ),
            "is not a list of sizes",
            id="negative size",
        ),
        pytest.param(
            safetensors_bytes(
                {"W_z": {"dtype": "F64", "shape": [4, 3], "data_offsets": [0, 96]}}, bytes(8)
            ),
            "safetensors: unreadable",
            id="data missing",
        ),
    ],
)
def test_bad_safetensors_are_refused_before_reading_the_data(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_params(data, "safetensors", SMALL)


def test_safetensors_metadata_is_ignored() -> None:
    data = safetensors.numpy.save({"b": np.zeros(3)}, metadata={"by": "test"})
    assert list(read_arrays(data, "safetensors")) == ["b"]


def test_a_zip_bomb_is_refused_by_its_declared_size_before_decompressing() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("W_z.npy", bytes(10 * 2**20))  # 10 MiB of zeros, ~10 kB compressed
    data = buf.getvalue()
    assert len(data) < 2**16
    with pytest.raises(ValueError, match="declare 10485760 bytes, more than the limit of 65536"):
        load_params(data, "npz", SMALL)


def test_a_member_whose_declared_size_was_forged_is_refused() -> None:
    data = bytearray(npz_bytes(W_z=np.zeros((4, 3))))
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 2**31)  # uncompressed size in the central directory
    with pytest.raises(ValueError, match="more than the limit"):
        load_params(bytes(data), "npz", SMALL)


def test_an_npy_header_declaring_more_data_than_the_member_holds_is_refused() -> None:
    good = io.BytesIO()
    np.lib.format.write_array(good, np.zeros((4, 3)))
    forged = good.getvalue().replace(b"(4, 3)", b"(8, 3)")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("W_z.npy", forged)
    with pytest.raises(ValueError, match="W_z: header declares more data"):
        load_params(buf.getvalue(), "npz", SMALL)


@pytest.mark.parametrize(
    ("members", "message"),
    [
        pytest.param({"W_z.txt": b"hello"}, "is not a .npy array", id="not npy"),
        pytest.param(
            {f"b{k}.npy": b"" for k in range(70)},
            "70 arrays, more than the limit",
            id="too many members",
        ),
        pytest.param(
            {"W_z.npy": b"\x93NUMPY\x03\x00" + bytes(20)},
            "unsupported .npy version",
            id="npy version 3",
        ),
        pytest.param({"W_z.npy": b"garbage"}, "npz", id="not an npy header"),
    ],
)
def test_npz_archives_with_odd_members_are_refused(members: dict, message: str) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)
    with pytest.raises(ValueError, match=message):
        load_params(buf.getvalue(), "npz", SMALL)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_over_the_byte_limit_is_refused_unread(fmt: str) -> None:
    with pytest.raises(ValueError, match=f"{fmt}: 70000 bytes, more than the limit of 65536"):
        read_arrays(bytes(70_000), fmt, SMALL)


@pytest.mark.parametrize("fmt", ["npz", "safetensors"])
def test_text_is_refused_for_binary_formats(fmt: str) -> None:
    with pytest.raises(ValueError, match="expected bytes"):
        read_arrays("W_z", fmt)


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        dump_params({}, "pickle")
    with pytest.raises(ValueError, match="format"):
        read_arrays(b"", "pickle")
