"""Refuse a zip archive (a snapshot .npz) before reading it if it would unpack to too much.

zipfile never returns more than a member's declared size (it stops there and checks the CRC), so
checking the declared sizes up front bounds what reading the members can allocate: a small
upload that inflates to gigabytes (a zip bomb) is refused unread.
"""

from __future__ import annotations

import zipfile


def check_archive(zf: zipfile.ZipFile, max_bytes: int, max_members: int, field: str) -> None:
    """ValueError naming `field` and the limit when the members are too many or too large."""
    infos = zf.infolist()
    if len(infos) > max_members:
        raise ValueError(f"{field}: {len(infos)} members, more than the limit of {max_members}")
    declared = sum(info.file_size for info in infos)
    if declared > max_bytes:
        raise ValueError(
            f"{field}: the archive unpacks to {declared} bytes, more than the limit "
            f"max_upload_bytes={max_bytes}"
        )
