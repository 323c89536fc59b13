"""Hostile .pt files: pickles that would run code, tensors that reach outside their storage,
zip bombs, truncations and random damage; each a FieldError, nothing run, nothing unbounded."""

from __future__ import annotations

import io
import os
import pickle
import struct
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.io_checks import Limits
from lstm_explorer.engine.io_torch_file import read_torch_file, read_torch_state_dict

from tests.engine.model_files import (
    FILES,
    INDEX,
    pickle_global,
    rezip,
    tensor_pickle,
    torch_archive,
)

SMALL = Limits(max_input_size=8, max_hidden_size=8, max_output_size=8, max_bytes=1 << 20)


def fixture_bytes(name: str) -> bytes:
    return (FILES / INDEX[name]["files"][0]).read_bytes()


class _Payload:
    def __init__(self, func: object, arg: str) -> None:
        self.func, self.arg = func, arg

    def __reduce__(self) -> tuple:
        return self.func, (self.arg,)


@pytest.mark.parametrize("protocol", [2, 4])
@pytest.mark.parametrize(
    ("func", "shown"),
    [(os.system, "posix.system"), (eval, "builtins.eval")],
    ids=["os.system", "eval"],
)
def test_a_pickle_that_runs_code_is_refused_and_never_runs(
    tmp_path: Path, protocol: int, func: object, shown: str
) -> None:
    marker = tmp_path / "ran"
    command = f"touch {marker}"
    arg = command if func is os.system else f"__import__('os').system({command!r})"
    payload = pickle.dumps({"w": _Payload(func, arg)}, protocol=protocol)
    pickle.loads(payload)  # the control: this payload does run when unpickled as usual
    assert marker.exists()
    marker.unlink()
    with pytest.raises(FieldError, match=f"refused pickle global {shown}"):
        read_torch_state_dict(torch_archive(payload, {}))
    assert not marker.exists()


@pytest.mark.parametrize(
    "global_",
    [
        ("numpy.core.multiarray", "_reconstruct"),  # how NumPy arrays pickle
        ("torch._utils", "_rebuild_tensor"),  # the old rebuilder: not what torch writes now
        ("torch", "load"),
        ("collections", "defaultdict"),
    ],
)
def test_any_global_outside_the_allow_list_is_refused_by_name(global_: tuple[str, str]) -> None:
    pkl = b"\x80\x02" + pickle_global(*global_) + b")R."
    with pytest.raises(FieldError, match=f"refused pickle global {'.'.join(global_)}"):
        read_torch_state_dict(torch_archive(pkl, {}))


def test_out_of_band_buffers_are_refused_before_unpickling() -> None:
    pkl = pickle.dumps({"w": bytearray(b"12345678")}, protocol=5)
    with pytest.raises(FieldError, match="refused pickle opcode BYTEARRAY8"):
        read_torch_state_dict(torch_archive(pkl, {}))


def test_a_counted_string_longer_than_the_pickle_allocates_nothing() -> None:
    pkl = b"\x80\x04\x8e" + struct.pack("<Q", 1 << 40) + b"x."  # BINBYTES8 of a terabyte
    tracemalloc.start()
    with pytest.raises(FieldError, match="not a valid pickle"):
        read_torch_state_dict(torch_archive(pkl, {}))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 << 20


@pytest.mark.parametrize(
    ("tensor", "storage", "message"),
    [
        (
            ("FloatStorage", "0", 16, 0, (4, 4), (4, 1)),
            b"\0" * 32,
            "holds 32 bytes, its record declares 64",
        ),
        (
            ("FloatStorage", "0", 4, 0, (4, 4), (4, 1)),
            b"\0" * 16,
            "reaches element 15, but its storage holds 4",
        ),
        (("FloatStorage", "0", 4, 2, (4,), (1,)), b"\0" * 16, "reaches element 5"),
        (("FloatStorage", "0", 4, 0, (2**40, 2**40), (1, 1)), b"\0" * 16, "reaches element"),
        (("FloatStorage", "0", 2**40, 0, (4,), (1,)), b"\0" * 16, "more than the limit"),
        (("FloatStorage", "0", 4, 0, (4,), (-1,)), b"\0" * 16, "stride"),
        (("FloatStorage", "../../etc/passwd", 4, 0, (4,), (1,)), b"", "not a plain name"),
        (("FloatStorage", "1", 4, 0, (4,), (1,)), b"\0" * 16, "no member 'archive/data/1'"),
        (
            ("ComplexFloatStorage", "0", 4, 0, (4,), (1,)),
            b"\0" * 16,
            "refused pickle global torch.ComplexFloatStorage",
        ),
    ],
    ids=[
        "storage shorter than declared",
        "shape beyond storage",
        "offset beyond storage",
        "huge shape",
        "huge storage",
        "negative stride",
        "path as storage key",
        "missing storage",
        "unknown storage type",
    ],
)
def test_tensors_that_reach_outside_their_storage_are_refused(
    tensor: tuple, storage: bytes, message: str
) -> None:
    data = torch_archive(tensor_pickle({"w": tensor}), {"0": storage})
    with pytest.raises(FieldError, match=message.replace("(", r"\(").replace(".", r"\.")):
        read_torch_state_dict(data, SMALL)


def test_a_huge_view_of_a_tiny_storage_is_refused_before_any_copy() -> None:
    """Stride 0 makes (10⁶, 10⁶) fit in one element: the shape limits stop the copy."""
    data = torch_archive(
        tensor_pickle({"w": ("FloatStorage", "0", 1, 0, (10**6, 10**6), (0, 0))}), {"0": b"\0" * 4}
    )
    tracemalloc.start()
    with pytest.raises(FieldError, match="over the limits"):
        read_torch_state_dict(data, SMALL)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 << 20


def test_a_storage_that_inflates_past_the_limit_is_refused_unread() -> None:
    """A zip bomb: 16 MiB of zeros deflate to 16 KiB; the limit is 1 MiB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "archive/data.pkl", tensor_pickle({"w": ("FloatStorage", "0", 4 << 20, 0, (4,), (1,))})
        )
        zf.writestr("archive/data/0", bytes(16 << 20))
    assert len(out.getvalue()) < 100_000
    tracemalloc.start()
    with pytest.raises(FieldError, match="more than the limit of 1048576 bytes"):
        read_torch_state_dict(out.getvalue(), SMALL)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4 << 20


def test_a_member_that_lies_about_its_size_inflates_no_further_than_declared() -> None:
    """The directory says 64 bytes; the deflated stream holds 16 MiB: reading stops at 64."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "archive/data.pkl", tensor_pickle({"w": ("FloatStorage", "0", 16, 0, (16,), (1,))})
        )
        zf.writestr("archive/data/0", bytes(16 << 20))
    data = bytearray(out.getvalue())
    entry = data.rfind(b"PK\x01\x02")  # the last central directory entry: archive/data/0
    data[entry + 24 : entry + 28] = struct.pack("<I", 64)
    tracemalloc.start()
    with pytest.raises(FieldError, match="unreadable"):
        read_torch_state_dict(bytes(data), SMALL)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4 << 20


def test_a_pickle_bigger_than_any_state_dict_is_refused_unread() -> None:
    data = torch_archive(b"\x80\x02N." + bytes(2 << 20), {})
    with pytest.raises(FieldError, match=r"data\.pkl' declares"):
        read_torch_state_dict(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (pickle.dumps({"w": 1.0}, protocol=2), "a bare pickle, as torch.save wrote before 1.6"),
        (
            rezip(torch_archive(b"N.", {}), {}, {"other/data.pkl": b"N."}),
            "expected one <name>/data.pkl",
        ),
        (torch_archive(tensor_pickle({}), {}, byteorder=b"middle"), "byteorder 'middle'"),
        (torch_archive(b"\x80\x02]q\x00.", {}), "holds a list, not a state_dict"),
        (torch_archive(b"\x80\x02}X\x01\x00\x00\x00wK\x01s.", {}), "w: a int, not a tensor"),
        (torch_archive(tensor_pickle({}), {}), "the state_dict is empty"),
        (b"PK\x03\x04" + bytes(100), "not a complete zip archive"),
    ],
    ids=[
        "legacy format",
        "two pickles",
        "byte order",
        "a list",
        "a number",
        "empty",
        "no directory",
    ],
)
def test_files_that_are_no_state_dict_are_refused_clearly(data: bytes, message: str) -> None:
    with pytest.raises(FieldError, match=message.replace("(", r"\(").replace(".", r"\.")):
        read_torch_state_dict(data)


def test_two_members_of_one_name_are_refused() -> None:
    """zipfile would silently read the second: a file that shows one thing and loads another."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("archive/data.pkl", b"N.")
        zf.writestr("archive/data.pkl", b"N.")
    with pytest.raises(FieldError, match="two members with the same name"):
        read_torch_state_dict(out.getvalue())


def test_every_truncation_of_a_real_file_is_refused_cleanly() -> None:
    data = fixture_bytes("torch-lstm-2-f64")
    for cut in range(0, len(data) - 1, 37):
        with pytest.raises(FieldError):
            read_torch_file(data[:cut])


def test_random_byte_flips_give_a_model_or_a_field_error_never_a_crash() -> None:
    data = fixture_bytes("torch-lstm-2-f64")
    rng = np.random.default_rng(0)
    outcomes = {"read": 0, "refused": 0}
    for _ in range(300):
        mutated = bytearray(data)
        for at in rng.integers(0, len(data), size=int(rng.integers(1, 4))):
            mutated[at] = int(rng.integers(256))
        try:
            read_torch_file(bytes(mutated))
            outcomes["read"] += 1
        except FieldError:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 0
