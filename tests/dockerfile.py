"""Reads the Dockerfile's instructions, so tests can replay what the image does."""

import re
import shlex
import shutil
from pathlib import Path


def instructions(dockerfile: Path, stage: int | None = None) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped: of
    the whole file, or of build stage `stage` only (0 the first FROM, -1 the image's own)."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in dockerfile.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        keyword, _, rest = (pending + line).partition(" ")
        result.append((keyword.upper(), rest.strip()))
        pending = ""
    if stage is None:
        return result
    starts = [i for i, (keyword, _) in enumerate(result) if keyword == "FROM"]
    ends = [*starts[1:], len(result)]
    return result[starts[stage] : ends[stage]]


def env_vars(dockerfile: Path, stage: int = -1) -> dict[str, str]:
    """Every ENV key=value of a build stage (by default the image's own, the last)."""
    found: dict[str, str] = {}
    for keyword, rest in instructions(dockerfile, stage):
        if keyword == "ENV":
            for token in shlex.split(rest):
                key, _, value = token.partition("=")
                found[key] = value
    return found


def single(dockerfile: Path, keyword: str, stage: int = -1) -> str:
    """The arguments of the one instruction `keyword` (WORKDIR, CMD, ...) of a build stage."""
    found = [rest for key, rest in instructions(dockerfile, stage) if key == keyword]
    assert len(found) == 1, f"expected one {keyword} in {dockerfile}, found {len(found)}"
    return found[0]


def dockerignore_patterns(context: Path) -> list[str]:
    """The build context's .dockerignore lines, comments and blanks dropped."""
    path = context / ".dockerignore"
    lines = path.read_text().splitlines() if path.exists() else []
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """Docker's pattern syntax: `**/` any leading folders, `*` and `?` within one name."""
    pattern = pattern.strip("/")
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def is_ignored(patterns: list[str], relative: str) -> bool:
    """Whether Docker leaves `relative` (a path in the context) out of the build context: the
    last pattern matching it or one of its folders decides, a `!` pattern keeps it."""
    parts = relative.strip("/").split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for pattern in patterns:
        keep = pattern.startswith("!")
        regex = _pattern_regex(pattern[1:] if keep else pattern)
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            ignored = not keep
    return ignored


def replay_copies(context: Path, dockerfile: Path, workdir: Path, stage: int = 0) -> list[Path]:
    """Do what the COPY instructions of build stage `stage` do from the build context, into
    `workdir` (its WORKDIR): files the .dockerignore leaves out of the context are not copied.
    Returns the files copied."""
    patterns = dockerignore_patterns(context)
    copied: list[Path] = []
    for keyword, rest in instructions(dockerfile, stage):
        if keyword != "COPY" or rest.startswith("--from="):
            continue
        *sources, destination = rest.split()
        for source in sources:
            origin = context / source
            files = (
                sorted(p for p in origin.rglob("*") if p.is_file()) if origin.is_dir() else [origin]
            )
            for file in files:
                relative = file.relative_to(context).as_posix()
                if is_ignored(patterns, relative):
                    continue
                if origin.is_dir():  # COPY dir/ dest/ copies the folder's contents into dest
                    target = workdir / destination / file.relative_to(origin)
                elif destination.endswith("/") or len(sources) > 1:
                    target = workdir / destination / file.name
                else:
                    target = workdir / destination
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, target)
                copied.append(target)
    return copied
