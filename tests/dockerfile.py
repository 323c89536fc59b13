"""Reads the Dockerfile's instructions, so tests can replay what the image does."""

import shlex
from pathlib import Path


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in dockerfile.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, rest = (pending + line).partition(" ")
        result.append((keyword.upper(), rest.strip()))
        pending = ""
    return result


def env_vars(dockerfile: Path) -> dict[str, str]:
    """Every ENV key=value the image sets."""
    found: dict[str, str] = {}
    for keyword, rest in instructions(dockerfile):
        if keyword == "ENV":
            for token in shlex.split(rest):
                key, _, value = token.partition("=")
                found[key] = value
    return found


def copy_sources(dockerfile: Path) -> list[str]:
    """The repo paths that COPY puts into the image, in order."""
    sources: list[str] = []
    for keyword, rest in instructions(dockerfile):
        if keyword == "COPY":
            sources += rest.split()[:-1]
    return sources


def single(dockerfile: Path, keyword: str) -> str:
    """The arguments of the one instruction `keyword` (WORKDIR, CMD, ...)."""
    found = [rest for key, rest in instructions(dockerfile) if key == keyword]
    assert len(found) == 1, f"expected one {keyword} in {dockerfile}, found {len(found)}"
    return found[0]
