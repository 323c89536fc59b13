"""The page's own files under a versioned address that browsers may keep for good.

`/static/v/<version>/...` serves static/ with `Cache-Control: immutable` for a year; the
version is a hash of every file's path and content, so a changed file gets a new address
(the page, never cached, names the current one) and every worker of a deployment, hashing the
same files, names the same one. Without it the browser guessed how long to keep a file from
its age (10 % of the time since it was last modified): on a fresh install or a new image it
asked the server again for each of the page's ~75 files on every load.

The ES modules import each other by relative paths, so the whole page follows the versioned
address of main.js. `/static/...` stays as it was, for links from outside the page.
"""

import functools
import hashlib
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
VERSION_LENGTH = 12  # hex digits of the hash in the address


def static_version(directory: Path) -> str:
    """A hash of every file's path (relative to `directory`) and content."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:VERSION_LENGTH]


@functools.lru_cache(maxsize=8)
def served_version(directory: Path) -> str:
    """static_version(directory), hashed once per process (~15 ms for the 8 MB of static/):
    the files do not change under a running server (`--reload` restarts it when they do)."""
    return static_version(directory)


class ImmutableStaticFiles(StaticFiles):
    """StaticFiles whose answers browsers keep without asking again."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = IMMUTABLE
        return response
