"""The page's files under /static/v/<version>/: kept by browsers for good, a new address when
any file changes (app/static_assets.py)."""

import re
import shutil
from pathlib import Path

from fastapi.testclient import TestClient
from lstm_explorer.app.static_assets import IMMUTABLE, static_version

PAGE_FILE = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def page_files(client: TestClient) -> list[str]:
    return PAGE_FILE.findall(client.get("/").text)


def test_the_page_names_its_files_under_one_versioned_address(
    client: TestClient, repo_root: Path
) -> None:
    files = page_files(client)
    version = static_version(repo_root / "static")
    assert len(files) >= 10 and "/js/main.js" in " ".join(files)
    for path in files:
        assert path.startswith(f"/static/v/{version}/"), path
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == IMMUTABLE, path
        on_disk = repo_root / "static" / path.removeprefix(f"/static/v/{version}/")
        assert response.content == on_disk.read_bytes(), path


def test_a_versioned_file_answers_a_revalidation_as_immutable(client: TestClient) -> None:
    script = next(p for p in page_files(client) if p.endswith("/js/main.js"))
    etag = client.get(script).headers["etag"]
    again = client.get(script, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["cache-control"] == IMMUTABLE


def test_other_addresses_are_not_kept_for_good(client: TestClient) -> None:
    script = next(p for p in page_files(client) if p.endswith("/js/main.js"))
    missing = script.replace("main.js", "no-such-file.js")
    assert client.get(missing).status_code == 404
    assert "cache-control" not in client.get(missing).headers
    old_version = re.sub(r"/v/[0-9a-f]+/", "/v/000000000000/", script)
    assert client.get(old_version).status_code == 404  # a file of another version
    plain = client.get("/static/js/main.js")  # the plain path serves the same files, as before
    assert plain.status_code == 200 and "immutable" not in plain.headers.get("cache-control", "")


def test_the_version_follows_the_files_contents(tmp_path: Path, repo_root: Path) -> None:
    tree = tmp_path / "static"
    shutil.copytree(repo_root / "static" / "css", tree / "css")
    first = static_version(tree)
    assert re.fullmatch(r"[0-9a-f]{12}", first)
    (tree / "css" / "app.css").touch()  # a new modification time, the same bytes
    assert static_version(tree) == first
    with (tree / "css" / "app.css").open("a") as css:
        css.write("\n/* changed */\n")
    changed = static_version(tree)
    assert changed != first
    (tree / "css" / "app.css").rename(tree / "css" / "renamed.css")  # a file moved
    assert static_version(tree) not in (first, changed)


def test_the_browsers_default_icon_address_leads_to_the_pages_icon(client: TestClient) -> None:
    response = client.get("/favicon.ico")  # follows the redirect
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.history[0].status_code == 307  # not kept: the address changes
    assert response.headers["cache-control"] == IMMUTABLE  # the page's own, versioned address
