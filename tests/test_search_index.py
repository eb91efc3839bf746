"""Search indexes of the built site: Pagefind for the served site, a trimmed lunr index for file:// copies."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.site import search
from support import build_bundled_site
from test_build import _tree_digest

EXCLUDED = ("timeline/2023/", "reliability/c/", "contradictions/")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_bundled_site(tmp_path_factory.mktemp("search"))


def offline_docs(site: Path) -> list[dict]:
    text = (site / "search/search_index.js").read_text("utf-8")
    assert text.startswith("var __index = ")
    return json.loads(text[len("var __index = "):])["docs"]


def test_offline_index_has_one_entry_per_page_with_every_alias(site):
    docs = offline_docs(site)
    locations = [d["location"] for d in docs]
    assert len(locations) == len(set(locations)) and not any("#" in l for l in locations)

    def pages_with(word):
        return {d["location"] for d in docs if re.search(rf"\b{re.escape(word)}\b", d["text"] + " " + d["title"], re.I)}
    for word, page in [("Daesh", "actors/isis/"), ("Nusra", "actors/hts/"), ("Jolani", "actors/abu-muhammad-al-julani/"),
                       ("MIT", "actors/turkish-intelligence/"), ("Erdogan", "actors/recep-tayyip-erdogan/"),
                       ("Qurashi", "actors/abu-al-hussein-al-qurashi/")]:
        assert page in pages_with(word), word
    assert all(len(d["text"]) <= search.PAGE_TEXT_LIMIT * (3 if "boost" in d else 1) for d in docs)
    assert not any(l.startswith(EXCLUDED) for l in locations)
    assert "briefs/idleb-isis-hts/" in locations


def test_served_index_is_pagefind_and_the_lunr_json_is_a_stub(site):
    stub = json.loads((site / "search/search_index.json").read_text("utf-8"))
    assert stub["docs"] == [] and stub["config"]["separator"]
    bundle = site / "pagefind"
    for name in ("pagefind.js", "pagefind-worker.js", "pagefind-entry.json", "wasm.en.pagefind"):
        assert (bundle / name).is_file(), name
    assert not list(bundle.glob("pagefind-*ui*")) and not (bundle / "pagefind-highlight.js").exists()
    # one fragment per page that carries data-pagefind-body; pages left out of search carry none
    bodies = [p for p in site.rglob("*.html") if "data-pagefind-body" in p.read_text("utf-8")]
    assert len(list((bundle / "fragment").iterdir())) == len(bodies)
    assert "data-pagefind-body" not in (site / "404.html").read_text("utf-8")
    for url in EXCLUDED:
        assert "data-pagefind-body" not in (site / url / "index.html").read_text("utf-8"), url
    for url in ("actors/isis/", "briefs/idleb-isis-hts/", ""):
        assert "data-pagefind-body" in (site / url / "index.html").read_text("utf-8"), url


def test_every_page_loads_the_search_script_before_materials_bundle(site):
    html = (site / "actors/isis/index.html").read_text("utf-8")
    ours, bundle = html.index("assets/briefgen-search.js"), html.index("assets/javascripts/bundle.")
    assert ours < bundle
    assert (site / "assets/briefgen-search.js").is_file()


def test_trim_docs_keeps_titles_boost_and_whole_escapes():
    docs = [
        {"location": "actors/a/", "title": "Alpha &amp; Co", "text": "<p>Also known as: Alfa · al-Alpha</p>", "boost": 2},
        {"location": "actors/a/#relations", "title": "Relations", "text": "<p>" + "x " * 50 + "&amp; more</p>"},
        {"location": "briefs/b/#bottom-line", "title": "Bottom line", "text": "<p>" + "word " * 100 + "</p>"},
        {"location": "briefs/b/", "title": "Brief B", "text": "<p>TLP:CLEAR</p>"},
    ]
    out = search.trim_docs(docs, limit=60)
    assert [d["location"] for d in out] == ["actors/a/", "briefs/b/"]
    a, b = out
    assert a["title"] == "Alpha &amp; Co" and a["boost"] == 2 and a["text"].startswith("Also known as: Alfa · al-Alpha")
    assert "<" not in a["text"] and not re.search(r"&[#\w]*(?!;)\W*…$", a["text"].replace("&amp;", ""))
    assert b["title"] == "Brief B" and b["text"].startswith("word") and b["text"].endswith("…") and len(b["text"]) <= 60
    assert search.trim_docs(out, limit=60) == out  # trimming twice changes nothing


def test_cut_never_splits_an_escape():
    text = "alpha beta gamma &amp; delta"
    for limit in range(5, len(text)):
        cut = search._cut(text, limit)
        assert not re.search(r"&[#\w]*\s…$", cut), cut


def test_a_failing_pagefind_fails_the_build_and_keeps_the_old_site(minimal):
    assert minimal.run("build").code == 0
    before = _tree_digest(minimal.root / "site")
    brief = minimal.root / "briefs/2024/first-brief.yaml"
    brief.write_text(brief.read_text().replace("The **bottom line**.", "A new bottom line."))
    r = minimal.run("build", env={"BRIEFGEN_PAGEFIND": "/bin/false"})
    assert r.code == 1
    assert "search index: Pagefind failed" in r.err
    assert _tree_digest(minimal.root / "site") == before
    assert not list(minimal.root.glob(".site-*"))


def test_materials_search_plugin_indexes_pages_lightly(tmp_path):
    """Material's full-text parse is replaced by one entry per page (its result is what the offline index keeps)."""
    from generator.site import mkdocs as site
    from generator.config import Project
    from support import Project as Copy

    copy = Copy(tmp_path / "proj")
    project = Project(copy.root)
    project.docs.mkdir(parents=True)
    config = site.mkdocs_config(project, project.settings(), tmp_path / "site")
    search.attach(config)
    config = config.plugins.on_config(config)
    index = config.plugins["material/search"].search_index
    assert not hasattr(index.add_entry_from_context, "__self__")  # ours, not Material's method
