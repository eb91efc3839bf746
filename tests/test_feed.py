"""The Atom feed: its ids are the site's addresses, so no two briefgen sites share one.

A site without `url` in site_config/site.yml gets no feed (see generator/output/feed.py).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin

from support import Project, minimal_project

ATOM = "{http://www.w3.org/2005/Atom}"


def _project(root: Path, url: str | None) -> Project:
    project = minimal_project(root)
    if url:
        _set_url(project, url)
    return project


def _set_url(project: Project, url: str | None) -> None:
    settings = project.root / "site_config/site.yml"
    lines = [l for l in settings.read_text("utf-8").splitlines() if not l.startswith("url:")]
    settings.write_text("\n".join([*lines, *([f"url: {url}"] if url else [])]) + "\n", "utf-8")


def _ids(site: Path) -> tuple[str, list[str]]:
    feed = ET.parse(site / "feed.xml").getroot()
    return feed.findtext(f"{ATOM}id"), [e.findtext(f"{ATOM}id") for e in feed.iter(f"{ATOM}entry")]


def _feed_links(site: Path, url: str = "https://site.example/") -> dict[str, list[str]]:
    """Each page's feed link, resolved against the page's address (404.html's are absolute paths)."""
    links = {}
    for page in site.rglob("*.html"):
        rel = page.relative_to(site).as_posix()
        hrefs = [part.split('href="', 1)[1].split('"', 1)[0]
                 for part in page.read_text("utf-8").split("<link ")[1:] if 'type="application/atom+xml"' in part.split(">", 1)[0]]
        links[rel] = [urljoin(url + rel, h) for h in hrefs]
    return links


def test_each_site_s_feed_and_entries_are_identified_by_its_own_address(tmp_path):
    ids = {}
    for name, url in (("one", "https://one.example.org/briefs/"), ("two", "https://two.example.net/")):
        project = _project(tmp_path / name, url)
        r = project.run("build")
        assert r.code == 0, r.err
        assert "feed.xml" not in r.err
        site = project.root / "site"
        feed_id, entry_ids = _ids(site)
        assert feed_id == url and entry_ids == [f"{url}briefs/first-brief/"]
        ids[name] = {feed_id, *entry_ids}
        first = (site / "feed.xml").read_bytes()
        # permanent: a build from scratch writes the same ids (the same bytes)
        assert project.run("build", "--full").code == 0
        assert (site / "feed.xml").read_bytes() == first
        # every page links to the feed it was built with
        links = _feed_links(site, url)
        assert len(links) > 10 and all(found == [f"{url}feed.xml"] for found in links.values()), links
    assert not ids["one"] & ids["two"]


def test_a_site_without_url_has_no_feed_and_says_why(tmp_path):
    project = _project(tmp_path / "proj", "https://briefs.example.org/")
    assert project.run("build").code == 0
    assert (project.root / "site/feed.xml").exists()
    # the address removed: the next build drops the feed and every page's link to it
    _set_url(project, None)
    r = project.run("build")
    assert r.code == 0, r.err
    assert "note: no feed.xml" in r.err and "set url in site_config/site.yml" in r.err
    site = project.root / "site"
    assert not (site / "feed.xml").exists()
    links = _feed_links(site)
    assert len(links) > 10 and not any(links.values()), {k: v for k, v in links.items() if v}
