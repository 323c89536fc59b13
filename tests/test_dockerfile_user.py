"""The container runs as an unprivileged user."""

from pathlib import Path

from tests.dockerfile import instructions


def test_read_dockerfile_user_is_not_root(repo_root: Path) -> None:
    steps = instructions(repo_root / "Dockerfile")
    users = [(i, rest) for i, (key, rest) in enumerate(steps) if key == "USER"]
    assert users, "the Dockerfile has no USER: the container would run as root"
    last_index, user = users[-1]
    name, _, group = user.partition(":")
    assert name not in ("root", "0") and group not in ("root", "0"), user
    assert name.isdigit() and int(name) >= 1000, "a numeric uid lets Kubernetes check runAsNonRoot"
    later = [key for key, _ in steps[last_index + 1 :]]
    assert "RUN" not in later and "USER" not in later, "nothing runs as root after USER"
    assert steps[-1][0] == "CMD" or "CMD" in later
