"""Hostile Keras files: HDF5 that points outside the upload, declares more than it holds, or
makes libhdf5 crash or loop; each a FieldError, and the upload's child process takes the blow."""

from __future__ import annotations

import contextlib
import io
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pytest
from lstm_explorer.engine.errors import FieldError
from lstm_explorer.engine.io_checks import Limits
from lstm_explorer.engine.io_h5_sandbox import read_keras_isolated
from lstm_explorer.engine.io_keras_file import read_h5_file, read_keras_file

from tests.engine.model_files import FILES

READERS = {".keras": read_keras_file, ".h5": read_h5_file}
SMALL = Limits(max_input_size=8, max_hidden_size=8, max_output_size=8, max_bytes=1 << 20)


# ----------------------------------------------------------------------------- hostile HDF5
def edited_h5(file: str, edit: Callable[[h5py.File], object]) -> bytes:
    buf = io.BytesIO((FILES / file).read_bytes())
    with h5py.File(buf, "r+") as f:
        edit(f)
    return buf.getvalue()


KERNEL = "model_weights/lstm/sequential/lstm/lstm_cell/kernel"


def replace_kernel(f: h5py.File, make: Callable[[h5py.Group, str], object]) -> None:
    group, name = f[KERNEL].parent, KERNEL.rsplit("/", 1)[1]
    del group[name]
    make(group, name)


def test_a_weights_only_file_is_refused_with_what_to_save_instead() -> None:
    with pytest.raises(FieldError, match=r"save the whole model: model\.save\('m\.keras'\)"):
        read_h5_file(edited_h5("keras-lstm-1.h5", lambda f: f.attrs.__delitem__("model_config")))


def test_an_external_link_is_never_followed(tmp_path: Path) -> None:
    """The link points at a real file with a dataset of the right shape: following it would work."""
    outside = tmp_path / "outside.h5"
    with h5py.File(outside, "w") as f:
        f["kernel"] = np.ones((3, 16), dtype=np.float32)

    def link(group: h5py.Group, name: str) -> None:
        group[name] = h5py.ExternalLink(str(outside), "kernel")

    data = edited_h5("keras-lstm-1.h5", lambda f: replace_kernel(f, link))
    with pytest.raises(FieldError, match="'kernel' is a ExternalLink, not stored here"):
        read_h5_file(data)


def test_a_dataset_stored_in_another_file_is_never_read(tmp_path: Path) -> None:
    outside = tmp_path / "raw.bin"
    outside.write_bytes(np.ones((3, 16), dtype=np.float32).tobytes())

    def external(group: h5py.Group, name: str) -> None:
        group.create_dataset(name, (3, 16), dtype=np.float32, external=[(str(outside), 0, 192)])

    data = edited_h5("keras-lstm-1.h5", lambda f: replace_kernel(f, external))
    with pytest.raises(FieldError, match="stored in other files: refused") as err:
        read_h5_file(data)
    assert err.value.loc == ("lstm", "kernel")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (
            lambda g, n: g.create_dataset(n, data=np.ones((3, 16), dtype=np.int32)),
            "dtype int32 is not float",
        ),
        (
            lambda g, n: g.create_dataset(n, (10**6, 10**6), dtype=np.float64, chunks=(1, 1)),
            "shape (1000000, 1000000) is not 1-D or 2-D within the limits",
        ),
        (lambda g, n: g.__setitem__(n, h5py.SoftLink("/model_weights")), "is a SoftLink"),
        (
            lambda g, n: g.create_dataset(n, data=np.ones((3, 15), dtype=np.float32)),
            "expected shape (3, 16), got (3, 15)",
        ),
        (
            lambda g, n: g.create_dataset(n, data=np.full((3, 16), np.nan, dtype=np.float32)),
            "contains NaN or Inf",
        ),
    ],
    ids=["int dtype", "huge declared shape", "soft link", "wrong shape", "NaN"],
)
def test_a_dataset_is_checked_before_it_is_read(make: Callable, words: str) -> None:
    data = edited_h5("keras-lstm-1.h5", lambda f: replace_kernel(f, make))
    with pytest.raises(FieldError) as err:
        read_h5_file(data, SMALL)
    assert words in str(err.value)


@pytest.mark.parametrize("file", ["keras-lstm-2.keras", "keras-rnn-2.h5"])
def test_every_truncation_of_a_real_file_is_refused_cleanly(file: str) -> None:
    data = (FILES / file).read_bytes()
    for cut in range(0, len(data) - 1, 251):
        with pytest.raises(FieldError):
            READERS[Path(file).suffix](data[:cut])


def test_random_byte_flips_in_a_keras_archive_give_a_model_or_a_field_error() -> None:
    data = (FILES / "keras-lstm-2.keras").read_bytes()
    rng = np.random.default_rng(1)
    refused = 0
    for _ in range(150):
        mutated = bytearray(data)
        for at in rng.integers(0, len(data), size=int(rng.integers(1, 4))):
            mutated[at] = int(rng.integers(256))
        try:
            read_keras_file(bytes(mutated))
        except FieldError:
            refused += 1
    assert refused > 0


# ----------------------------------------------------------------------------- the child process
@pytest.mark.parametrize("file", ["keras-lstm-2.keras", "keras-rnn-2.h5"])
def test_the_isolated_reader_gives_what_the_reader_gives(file: str) -> None:
    fmt = Path(file).suffix[1:]
    mine = read_keras_isolated(fmt, (FILES / file).read_bytes())
    want = READERS[Path(file).suffix]((FILES / file).read_bytes())
    assert (mine.cell, mine.variant, mine.loss, mine.notes) == (
        want.cell,
        want.variant,
        want.loss,
        want.notes,
    )
    for got, expected in zip(
        (*mine.layers, mine.readout), (*want.layers, want.readout), strict=True
    ):
        assert list(got) == list(expected)
        for key in expected:
            np.testing.assert_array_equal(got[key], expected[key])


def test_the_isolated_reader_reports_a_refusal_with_its_location() -> None:
    with pytest.raises(FieldError) as err:
        read_keras_isolated("h5", (FILES / "keras-gru.h5").read_bytes())
    assert err.value.loc == ("gru",)
    assert "GRU layers are not supported" in err.value.message


def in_process_outcome(file: str, timeout: float) -> int | None:
    """What the plain reader does with the file in a process of its own: exit status, or None
    if it is still running after `timeout` s. The premise of the two tests below."""
    code = "import sys; from engine.io_keras_file import read_h5_file; read_h5_file(sys.stdin.buffer.read())"
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            input=(FILES / file).read_bytes(),
            capture_output=True,
            timeout=timeout,
            cwd=FILES.parent.parent.parent,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    return done.returncode


def test_a_file_that_crashes_libhdf5_costs_a_field_error_not_the_process() -> None:
    """Three bytes changed in a Keras .h5 make libhdf5 segfault, in the reader's own process."""
    if in_process_outcome("hostile-h5-segfault.h5", 60) != -signal.SIGSEGV:
        pytest.skip("this libhdf5 no longer crashes on the file: fuzz for a new one")
    with pytest.raises(
        FieldError, match=r"the HDF5 library failed on this file \(exit status -11\)"
    ):
        read_keras_isolated("h5", (FILES / "hostile-h5-segfault.h5").read_bytes())


def test_a_file_that_makes_libhdf5_loop_is_stopped() -> None:
    if in_process_outcome("hostile-h5-hang.h5", 3) is not None:
        pytest.skip("this libhdf5 no longer loops on the file: fuzz for a new one")
    with pytest.raises(FieldError, match="did not finish within 3 s"):
        read_keras_isolated("h5", (FILES / "hostile-h5-hang.h5").read_bytes(), timeout=3)


def test_random_byte_flips_through_the_isolated_reader_give_a_model_or_a_field_error() -> None:
    data = (FILES / "keras-lstm-2.h5").read_bytes()
    rng = np.random.default_rng(2)
    for _ in range(8):
        mutated = bytearray(data)
        for at in rng.integers(0, len(data), size=3):
            mutated[at] = int(rng.integers(256))
        with contextlib.suppress(FieldError):  # anything else fails the test
            read_keras_isolated("h5", bytes(mutated))
