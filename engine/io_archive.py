"""Zip archives read with every size bounded, and what kind of file a parameter upload is.

torch.save and Keras both write zip archives. zipfile trusts the sizes an archive declares, so
the central directory and each member are checked against a budget before anything is read,
and decompression never produces more than a member declares (a zip bomb stops there).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from lstm_explorer.engine.errors import FieldError

# What a damaged archive can raise from zipfile, zlib, bz2 or lzma besides ValueError.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    ValueError,  # UnicodeDecodeError of a damaged name, among others
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,  # an encrypted member
    struct.error,
    KeyError,
    OverflowError,
)
# A central directory this large lists tens of thousands of members: no model file does.
MAX_DIRECTORY_BYTES = 1 << 20
MAX_MEMBERS = 4096

_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_HDF5 = b"\x89HDF\r\n\x1a\n"


def open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """A ZipFile over `data` once its directory is known to be small, its names unique."""
    _check_directory_size(data, what)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = zf.namelist()
    except ZIP_ERRORS as exc:
        raise FieldError((), f"{what}: unreadable zip archive ({_short(exc)})") from None
    if len(names) > MAX_MEMBERS:
        raise FieldError((), f"{what}: {len(names)} members, more than {MAX_MEMBERS}")
    if len(set(names)) != len(names):
        # zipfile would silently take the last of two members with one name
        raise FieldError((), f"{what}: the archive holds two members with the same name")
    return zf


def read_member(zf: zipfile.ZipFile, name: str, limit: int, what: str) -> bytes:
    """A member's bytes, refused unread if it declares more than `limit`."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise FieldError((), f"{what}: the archive has no member {name[:100]!r}") from None
    if info.file_size > limit:
        raise FieldError(
            (), f"{what}: member {name[:100]!r} declares {info.file_size} bytes, over {limit}"
        )
    try:
        # ZipExtFile stops at the declared size and checks the CRC there
        with zf.open(info) as f:
            out = f.read(info.file_size)
    except ZIP_ERRORS as exc:
        raise FieldError((), f"{what}: member {name[:100]!r} unreadable ({_short(exc)})") from None
    if len(out) != info.file_size:
        raise FieldError((), f"{what}: member {name[:100]!r} is truncated")
    return out


def sniff_format(data: bytes) -> str | None:
    """The format a file's first bytes (or its zip listing) show, else None.

    'pt' (torch.save zip), 'keras' (.keras zip), 'h5' (HDF5), 'npz', 'safetensors', 'json', or
    'pickle' (a bare pickle, as torch.save wrote before 1.6: refused by the readers).
    """
    if data.startswith(_HDF5):
        return "h5"
    if data.startswith(b"PK\x03\x04") or data.startswith(_EOCD):
        return _sniff_zip(data)
    if len(data) > 8:  # before the pickle test: a header length may start with 0x80
        n = int.from_bytes(data[:8], "little")
        if n <= len(data) - 8 and data[8:9] == b"{":
            return "safetensors"
    if len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= 5:
        return "pickle"
    if data[:4096].lstrip()[:1] == b"{":
        return "json"
    return None


def _sniff_zip(data: bytes) -> str | None:
    try:
        names = open_zip(data, "zip").namelist()
    except FieldError:
        return None  # left to the reader the extension picks, which says what is wrong
    if any(n == "data.pkl" or (n.endswith("/data.pkl") and n.count("/") == 1) for n in names):
        return "pt"
    if "config.json" in names and "model.weights.h5" in names:
        return "keras"
    if names and all(n.endswith(".npy") for n in names):
        return "npz"
    return None


def _check_directory_size(data: bytes, what: str) -> None:
    """Refuse a central directory over MAX_DIRECTORY_BYTES, as the end records declare it.

    zipfile builds one ZipInfo per 46-byte entry of the directory it is pointed at: a 64 MiB
    upload could make a million of them. Both the classic and the zip64 record are checked,
    since zipfile believes the zip64 one when it is there.
    """
    if len(data) < 22:
        raise FieldError((), f"{what}: too short to be a zip archive (truncated?)")
    at = data.rfind(_EOCD, max(0, len(data) - 22 - 0xFFFF))
    if at < 0 or at + 22 > len(data):
        raise FieldError((), f"{what}: not a complete zip archive (no end record; truncated?)")
    sizes = [int.from_bytes(data[at + 12 : at + 16], "little")]
    locator = at - 20
    if locator >= 56 and data[locator : locator + 4] == _ZIP64_LOCATOR:
        record = locator - 56
        sizes.append(int.from_bytes(data[record + 40 : record + 48], "little"))
    if max(sizes) > MAX_DIRECTORY_BYTES:
        raise FieldError(
            (), f"{what}: a central directory of {max(sizes)} bytes, over {MAX_DIRECTORY_BYTES}"
        )


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:100]}"
