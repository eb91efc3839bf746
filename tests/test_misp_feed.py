"""The MISP feed (/data/misp/): read with PyMISP as a MISP instance's feed fetcher reads it.

MISP fetches ``manifest.json``, then ``<uuid>.json`` for each event it lists
(app/Model/Feed.php). PyMISP is the MISP project's own library: its
`MISPEvent` loads each event, and its feed generator (`MISPEvent.to_feed`,
`MISPEvent.manifest`) writes what a feed holds; every file here must be
what it writes for the event it loaded.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pymisp
import pytest
from pymisp import MISPEvent, MISPObject

from support import REPO, Project, build_bundled_site, minimal_project, run_cli
from test_build import AMBER, DRAFT

# PyMISP's schema of an event (its strict one predates objects and event reports)
MISP_SCHEMA = json.loads((Path(pymisp.__file__).parent / "data/schema-lax.json").read_text())


def feed(site: Path) -> Path:
    return site / "data/misp"


def events(site: Path) -> dict[str, Path]:
    """The event files of a feed by their UUID."""
    return {p.stem: p for p in sorted(feed(site).glob("*.json")) if p.name != "manifest.json"}


def load(path: Path) -> MISPEvent:
    event = MISPEvent()
    event.load_file(str(path))
    return event


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Path:
    return build_bundled_site(tmp_path_factory.mktemp("bundled"))


@pytest.fixture(scope="module")
def corpus_json(bundled) -> dict:
    return json.loads((bundled / "data/corpus.json").read_text())


@pytest.fixture(scope="module")
def stix_objects(bundled) -> list[dict]:
    return json.loads((bundled / "data/stix-bundle.json").read_text())["objects"]


def event_of(site: Path, title: str) -> tuple[MISPEvent, dict]:
    """The event whose info is `title`, loaded by PyMISP and as written."""
    found = [(load(p), json.loads(p.read_text())) for p in events(site).values() if json.loads(p.read_text())["Event"]["info"] == title]
    assert len(found) == 1, title
    return found[0]


def tag_names(tagged) -> list[str]:
    return [t.name for t in tagged.tags]


# --- the format the fetcher reads ---------------------------------------------------


def test_every_event_file_is_what_pymisp_writes_for_the_event_it_loads(bundled):
    files = events(bundled)
    assert len(files) == 2
    for uuid, path in files.items():
        written = json.loads(path.read_text())
        jsonschema.validate(written, MISP_SCHEMA)
        event = load(path)
        assert event.uuid == uuid
        assert event.to_feed() == written, path.name


def test_the_manifest_lists_exactly_the_event_files_with_their_info_date_and_tags(bundled):
    manifest = json.loads((feed(bundled) / "manifest.json").read_text())
    files = events(bundled)
    assert sorted(manifest) == sorted(files)
    for uuid, path in files.items():
        event = load(path)
        # what PyMISP's feed_meta_generator puts in a manifest for the event: uuid, info, date, tags, Orgc, timestamp
        assert event.manifest == {uuid: manifest[uuid]}
        assert manifest[uuid]["info"] == event.info
        assert manifest[uuid]["date"] == event.date.isoformat()
        assert [t["name"] for t in manifest[uuid]["Tag"]] == tag_names(event)


def test_every_object_fits_its_misp_objects_template(bundled):
    for path in events(bundled).values():
        for obj in load(path).objects:
            strict = MISPObject(obj.name, strict=True)  # raises on a relation the template lacks
            assert obj.template_uuid == strict.template_uuid and str(obj.template_version) == str(strict.template_version)
            for a in obj.attributes:
                made = strict.add_attribute(a.object_relation, value=a.value)
                assert (a.type, a.category) == (made.type, made.category), (obj.name, a.object_relation)


# --- what a brief becomes ------------------------------------------------------------


def test_a_brief_is_an_event_with_its_title_date_tlp_actors_and_publisher(bundled, corpus_json):
    brief = next(b for b in corpus_json["briefs"] if b["id"] == "idleb-isis-hts")
    event, _ = event_of(bundled, brief["title"])
    assert event.date.isoformat() == "2023-08-01"  # published: "2023-08"
    assert event.published and int(event.analysis) == 2
    assert event.Orgc.name == "Idleb Security Briefs"  # site_config's title
    tags = tag_names(event)
    assert tags[0] == "tlp:clear" and [t for t in tags if t.startswith("tlp:")] == ["tlp:clear"]
    assert set(brief["tags"]) <= set(tags)
    claims = [c for c in corpus_json["claims"] if c["brief"] == brief["id"]]
    actors = {a["id"]: a["name"] for a in corpus_json["actors"]}
    named = {actors[a] for c in claims for a in c.get("actors", [])}
    assert {f'briefgen:actor="{n}"' for n in named} <= set(tags)
    report = event.event_reports[0]
    assert report.name == brief["title"] and "Bottom line up front" in report.content


def test_each_claim_is_a_report_object_with_its_grading_source_and_link(bundled, corpus_json):
    brief = next(b for b in corpus_json["briefs"] if b["id"] == "idleb-isis-hts")
    event, _ = event_of(bundled, brief["title"])
    sources = {s["id"]: s for s in corpus_json["sources"]}
    claims = [c for c in corpus_json["claims"] if c["brief"] == brief["id"]]
    in_brief = {c["id"]: c for c in claims}
    by_statement = {a.value: (o, a) for o in event.objects for a in o.attributes
                    if a.object_relation == "summary" and re.match(r"[A-F][1-6]: ", a.comment)}
    for claim in claims:
        obj, summary = by_statement[claim["statement"]]
        code = claim["admiralty"]
        assert obj.name == "report"
        assert summary.comment.startswith(f"{code}: ")
        assert f'admiralty-scale:source-reliability="{code[0].lower()}"' in tag_names(summary)
        assert f'admiralty-scale:information-credibility="{code[1]}"' in tag_names(summary)
        source = sources[claim["source"]]
        assert source["name"] in obj.comment and code in obj.comment
        links = {a.value: a.comment for a in obj.attributes if a.object_relation == "link"}
        if claim.get("url"):
            assert claim["url"] in links
        if source.get("url"):
            assert links[source["url"]] == f"source: {source['name']}"
        for kind in ("contradicts", "corroborates"):
            referenced = [r.referenced_uuid for r in obj.references if r.relationship_type == kind]
            # MISP keeps references inside an event: those to claims of other briefs are left out
            assert referenced == [by_statement[in_brief[c]["statement"]][0].uuid for c in claim.get(kind, []) if c in in_brief]
    judgments = [j for j in corpus_json["judgments"] if j["brief"] == brief["id"]]
    texts = {a.value: a for a in event.attributes if a.type == "text"}
    for j in judgments:
        assert f'estimative-language:likelihood-probability="{j["likelihood"]}"' in tag_names(texts[j["statement"]])
        assert f'estimative-language:confidence-in-analytic-judgment="{j["confidence"]}"' in tag_names(texts[j["statement"]])


def test_uuids_agree_with_the_stix_bundle(bundled, corpus_json, stix_objects):
    def stix_uuid(kind: str, briefgen_id: str) -> str:
        (found,) = [o["id"] for o in stix_objects if o.get("x_briefgen_kind") == kind and o.get("x_briefgen_id") == briefgen_id]
        return found.split("--", 1)[1]

    brief = next(b for b in corpus_json["briefs"] if b["id"] == "idleb-isis-hts")
    event, _ = event_of(bundled, brief["title"])
    assert event.uuid == stix_uuid("brief", brief["id"])
    claim = brief["claims"][0]
    assert stix_uuid("claim", claim) in {o.uuid for o in event.objects}


# --- what is withheld, and stability ------------------------------------------------


@pytest.fixture(scope="module")
def restricted(tmp_path_factory) -> Project:
    """The small corpus with an amber brief and a draft beside the clear one, built with both
    published, then built again as the site publishes it: clear, no drafts."""
    project = minimal_project(tmp_path_factory.mktemp("restricted") / "proj")
    project.write("2024/secret.yaml", AMBER)
    project.write("2024/draft.yaml", DRAFT)
    for options in (["--max-tlp", "amber", "--drafts"], []):
        r = project.run("build", *options)
        assert r.code == 0, r.err
    return project


def test_no_withheld_brief_or_its_text_reaches_the_feed(restricted):
    site = restricted.root / "site"
    files = events(site)
    assert [load(p).info for p in files.values()] == ["First brief"]
    assert len(json.loads((feed(site) / "manifest.json").read_text())) == 1
    text = "\n".join(p.read_text() for p in feed(site).iterdir())
    for needle in ("Zephyrine", "Secret source network", "Sarmada", "Quellmark", "Unfinished draft"):
        assert needle not in text, needle
    # nor the events they would have been, under a wider build
    wider = restricted.root / "wider"
    assert restricted.run("build", "--max-tlp", "amber", "--drafts", "--site-dir", str(wider)).code == 0
    extra = set(events(wider)) - set(files)
    assert len(extra) == 2 and not extra & set(files)


def test_the_tlp_tag_and_a_drafts_state_follow_the_brief(restricted, tmp_path):
    site = tmp_path / "site"
    assert restricted.run("build", "--max-tlp", "amber", "--drafts", "--site-dir", str(site)).code == 0
    secret, written = event_of(site, "Secret source network in Idleb")
    assert [t for t in tag_names(secret) if t.startswith("tlp:")] == ["tlp:amber"]
    assert written["Event"]["Tag"][0] == {"colour": "#FFC000", "local": False, "name": "tlp:amber", "relationship_type": ""}
    draft, _ = event_of(site, "Unfinished draft about Quellmark")
    assert not draft.published and int(draft.analysis) == 1
    first, _ = event_of(site, "First brief")
    assert [t for t in tag_names(first) if t.startswith("tlp:")] == ["tlp:clear"]


def test_the_leak_check_reads_the_feed(restricted, tmp_path):
    copy = tmp_path / "proj"
    shutil.copytree(restricted.root, copy, symlinks=True)
    # a stray event file with restricted words, put where the feed is published
    (copy / "site_config/pages/data/misp").mkdir(parents=True)
    (copy / "site_config/pages/data/misp/stray.json").write_text(json.dumps({"Event": {"info": "Informant Zephyrine reports a meeting in Sarmada."}}))
    r = run_cli("build", cwd=copy)
    assert r.code == 1
    assert "data/misp/stray.json:1:1: error: leak: withheld brief 'secret' (TLP:AMBER)" in r.err, r.err


def test_two_builds_give_the_same_feed_and_an_edit_changes_only_its_event(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    for name in ("briefs", "templates", "site_config"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root)
    assert run_cli("build", cwd=root).code == 0
    first = {p.name: p.read_bytes() for p in feed(root / "site").iterdir()}
    shutil.rmtree(root / "build")
    assert run_cli("build", "--site-dir", str(tmp_path / "again"), cwd=root).code == 0
    assert {p.name: p.read_bytes() for p in feed(tmp_path / "again").iterdir()} == first

    brief = root / "briefs/2023/idleb-isis-hts.yaml"
    brief.write_text(brief.read_text().replace("President Erdoğan announced", "President Erdoğan declared", 1))
    assert run_cli("build", cwd=root).code == 0
    after = {p.name: p.read_bytes() for p in feed(root / "site").iterdir()}
    changed = {name for name in first if after[name] != first[name]}
    assert len(changed) == 1 and b"President Erdo\xc4\x9fan declared" in after[changed.pop()]
    assert sorted(after) == sorted(first)  # same UUIDs
    fresh = tmp_path / "fresh"
    shutil.copytree(root / "briefs", fresh / "briefs")
    for name in ("templates", "site_config"):
        shutil.copytree(root / name, fresh / name)
    shutil.copy(root / "mkdocs.yml", fresh)
    assert run_cli("build", cwd=fresh).code == 0
    assert {p.name: p.read_bytes() for p in feed(fresh / "site").iterdir()} == after


def test_briefs_dated_outside_misps_timestamps_give_events_pymisp_loads(minimal):
    brief = minimal.root / "briefs/2024/first-brief.yaml"
    brief.write_text(brief.read_text().replace('published: "2024-03"', 'published: "0000"\nupdated: "2200"'))
    assert minimal.run("build").code == 0
    (path,) = events(minimal.root / "site").values()
    event = load(path)
    assert event.date.isoformat() == "0001-01-01"
    assert event.to_feed()["Event"]["timestamp"] == str(2**31 - 1)  # MISP's timestamps are signed 32-bit


def test_the_schema_page_links_the_feed(bundled):
    page = (bundled / "schema/index.html").read_text()
    assert 'href="../data/misp/manifest.json"' in page and "MISP Feed" in page
    assert (bundled / "data/misp/manifest.json").is_file()


def test_with_the_sites_address_the_feed_names_it_and_links_each_brief(restricted, tmp_path):
    copy = tmp_path / "proj"
    shutil.copytree(restricted.root, copy, symlinks=True)
    config = copy / "site_config/site.yml"
    config.write_text(config.read_text() + "url: https://example.org/briefs/\n")
    assert run_cli("build", cwd=copy).code == 0
    site = copy / "site"
    assert "<code>https://example.org/briefs/data/misp</code>" in (site / "schema/index.html").read_text()
    event, _ = event_of(site, "First brief")
    links = [a for a in event.attributes if a.type == "link"]
    assert [a.value for a in links] == ["https://example.org/briefs/briefs/first-brief/"]
    # the publisher is known by its address: another title is the same organisation
    before = event.Orgc.uuid
    config.write_text(config.read_text().replace("title: ", "title: Renamed "))
    assert run_cli("build", cwd=copy).code == 0
    renamed, _ = event_of(site, "First brief")
    assert renamed.Orgc.uuid == before and renamed.Orgc.name.startswith("Renamed ")
