"""The STIX 2.1 export: valid for the OASIS validator, deterministic, faithful, and leak-free."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
import stix2
from stix2validator import ValidationOptions, validate_string

import synthetic
from support import run_cli
from generator.build import driver as pipeline
from generator.config import Project
from generator.stages.corpus import Policy
from generator.output.stix import TLP_MARKINGS, stix_bundle, timestamp

REPO = Path(__file__).resolve().parent.parent

# Offline: the validator reads its bundled 2.1 schemas; no --schemas dir, no
# interop mode, no reference enforcement, so nothing is fetched.
OPTIONS = ValidationOptions(version="2.1", strict=False)

# SHOULD-level findings the export knowingly accepts:
#   uuid-check (103): ids are UUIDv5 so that exports are reproducible;
#   extref-hashes (302): source and claim URLs carry no hash of the page.
ACCEPTED_WARNINGS = {"103", "302"}


def export(root: Path, policy: Policy = Policy()) -> str:
    result = pipeline.validate(Project(root), policy)
    return stix_bundle(result.corpus, result.findings, Project(root).settings())


@pytest.fixture(scope="module")
def generated() -> pipeline.Generated:
    return pipeline.validate(Project(REPO), Policy())


@pytest.fixture(scope="module")
def text(generated) -> str:
    return stix_bundle(generated.corpus, generated.findings, Project(REPO).settings())


@pytest.fixture(scope="module")
def objects(text) -> list[dict]:
    return json.loads(text)["objects"]


def find(objects: list[dict], kind: str, briefgen_id: str) -> dict:
    found = [o for o in objects if o.get("x_briefgen_kind") == kind and o.get("x_briefgen_id") == briefgen_id]
    assert len(found) == 1, f"{kind} {briefgen_id}: {len(found)} objects"
    return found[0]


def validate(text: str):
    result = validate_string(text, OPTIONS)
    errors = [str(e) for e in result.errors]
    assert result.is_valid and not errors, "STIX validation errors:\n" + "\n".join(errors)
    return result


def warning_code(warning: str) -> str:
    """The check code of a validator warning: "id: {103} message" -> "103"."""
    return warning.split("{", 1)[1].split("}", 1)[0] if "{" in warning else ""


# --- the bundled corpus -----------------------------------------------------


def test_bundle_is_valid_stix(text):
    result = validate(text)
    unexpected = [w for w in result.warnings if warning_code(w) not in ACCEPTED_WARNINGS]
    assert not unexpected, "unexpected validator warnings:\n" + "\n".join(unexpected)


def test_round_trips_through_stix2(text, objects):
    bundle = stix2.parse(text, allow_custom=True)
    assert bundle.type == "bundle"
    assert [o.id for o in bundle.objects] == [o["id"] for o in objects]
    claim = find(objects, "claim", "erdogan-says-turkish-intelligence-killed-al-qurashi")
    parsed = next(o for o in bundle.objects if o.id == claim["id"])
    assert parsed.type == "note" and parsed.x_briefgen_admiralty == "C3"


def test_objects_are_what_the_stix2_library_writes(objects):
    """The export builds plain dicts for speed; each must be exactly the object stix2 would build and write."""
    for obj in objects:
        rebuilt = json.loads(stix2.parse(obj, allow_custom=True).serialize(sort_keys=True))
        assert rebuilt == obj, obj["id"]


def test_bundle_has_one_object_a_line(text, objects):
    lines = text.splitlines()
    assert len(lines) == len(objects) + 2  # the bundle's head and its closing bracket
    assert json.loads(lines[1].rstrip(","))["id"] == objects[0]["id"]


def test_export_is_deterministic(text, tmp_path):
    assert export(REPO) == text
    # another process, with another hash seed, writes the same bytes through the CLI
    out = tmp_path / "bundle.json"
    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    r = run_cli("export", "stix", "-o", str(out), cwd=REPO, env={"PYTHONHASHSEED": seed})
    assert r.code == 0, r.err
    assert out.read_bytes() == text.encode("utf-8")


def test_objects_sorted_by_id_and_ids_unique(objects):
    ids = [o["id"] for o in objects]
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", ["claim:c-1", "actor:hezbollah", "source:al-manar", "brief:erdoğan-visit", "x" * 300, ""])
def test_ids_are_uuid5_of_kind_and_id(name):
    import uuid

    from generator.output.stix import NAMESPACE, uuid5

    assert uuid5(name) == str(uuid.uuid5(NAMESPACE, name))


def test_no_clock_timestamps(objects):
    stamps = {o[k] for o in objects for k in ("created", "modified", "published") if k in o}
    # every timestamp is a date from the corpus (midnight; a report's modified a millisecond later),
    # the extension's date or the TLP 2.0 date
    assert all(s.endswith(("T00:00:00.000Z", "T00:00:00Z", "T00:00:00.001Z")) for s in stamps), stamps
    assert not any(s.startswith("1970") for s in stamps)


def test_entities_dated_from_the_briefs_that_mention_them(objects):
    """An actor, a source, a question's objects: created when first mentioned, modified when last."""
    for kind, item in [("actor", "isis"), ("actor", "hts"), ("source", "the-new-arab"), ("question", "who-killed-al-qurashi"),
                       ("ach-result", "who-killed-al-qurashi")]:
        o = find(objects, kind, item)
        assert (o["created"], o["modified"]) == ("2023-08-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z"), (kind, item)
    # mentioned by the 2023 brief alone
    sna = find(objects, "actor", "syrian-national-army")
    assert (sna["created"], sna["modified"]) == ("2023-08-01T00:00:00.000Z", "2023-08-01T00:00:00.000Z")


def test_reports_are_published_before_they_are_modified(objects):
    """misp-stix takes a report whose published equals its modified for an unpublished draft."""
    for report in (o for o in objects if o["type"] == "report"):
        assert report["published"].replace("Z", ".000Z") < report["modified"], report["id"]


def test_the_publisher_creates_every_object(objects):
    publisher = [o for o in objects if o["type"] == "identity" and o.get("x_briefgen_kind") is None and o["identity_class"] == "organization"]
    assert len(publisher) == 1 and publisher[0]["name"] == "Idleb Security Briefs"
    system = next(o for o in objects if o["type"] == "identity" and o["identity_class"] == "system")
    for o in objects:
        if o["type"] == "marking-definition" or o["id"] in (publisher[0]["id"], system["id"]):
            assert "created_by_ref" not in o
        elif o["type"] == "extension-definition":
            assert o["created_by_ref"] == system["id"]
        else:
            assert o["created_by_ref"] == publisher[0]["id"], o["id"]


def test_claim_note_with_admiralty_confidence(objects):
    note = find(objects, "claim", "erdogan-says-turkish-intelligence-killed-al-qurashi")
    assert note["type"] == "note"
    assert note["confidence"] == 50
    assert note["x_briefgen_admiralty"] == "C3"
    assert note["x_briefgen_reliability"] == "C"
    assert note["x_briefgen_credibility"] == 3
    assert note["abstract"].startswith("President Erdoğan announced")
    assert "This person was neutralised" in note["content"]  # the quote
    assert "Northern Syria" in note["content"]  # the location
    assert note["authors"] == ["Presidency of the Republic of Türkiye"]
    presidency = find(objects, "source", "turkish-presidency")
    assert note["x_briefgen_source_ref"] == presidency["id"] and presidency["id"] in note["object_refs"]
    report = find(objects, "brief", "idleb-isis-hts")
    assert report["id"] in note["object_refs"]
    assert find(objects, "actor", "isis")["id"] in note["object_refs"]
    assert note["created"] == "2023-08-01T00:00:00.000Z"  # the brief's published "2023-08"


def test_located_claims_are_locations_linked_to_their_notes(objects, generated):
    located = {c: claim for c, claim in generated.corpus.claims.items() if claim.coordinates is not None}
    assert len(located) >= 2 and {c.location_basis for c in located.values()} == {"claimed", "assessed"}
    locations = [o for o in objects if o.get("x_briefgen_kind") == "location"]
    assert sorted(o["x_briefgen_id"] for o in locations) == sorted(located)
    report = find(objects, "brief", "idleb-isis-hts")
    for claim_id, claim in located.items():
        note, place = find(objects, "claim", claim_id), find(objects, "location", claim_id)
        assert place["type"] == "location" and (place["latitude"], place["longitude"]) == claim.coordinates
        assert place["name"] == claim.location and place["x_briefgen_location_basis"] == claim.location_basis
        assert place["object_marking_refs"] == note["object_marking_refs"] and place["created"] == note["created"]
        assert place["id"] in note["object_refs"] and place["id"] in report["object_refs"]
        links = [o for o in objects if o["type"] == "relationship" and o["source_ref"] == note["id"] and o["target_ref"] == place["id"]]
        assert len(links) == 1 and links[0]["x_briefgen_relationship_type"] == "located-at"
        assert links[0]["id"] in report["object_refs"]
    assert find(objects, "location", "isis-leaders-based-in-hts-areas-not-northern-syria-at-large")["x_briefgen_location_basis"] == "assessed"


def test_admiralty_scale(objects, generated):
    """STIX 2.1 Admiralty Credibility scale: 1 -> 90, 2 -> 70, 3 -> 50, 4 -> 30, 5 -> 10, 6 -> none."""
    scale = {1: 90, 2: 70, 3: 50, 4: 30, 5: 10}
    corpus = generated.corpus
    for kind, table in (("claim", corpus.claims), ("analysis", corpus.analyses)):
        for item_id, item in table.items():
            note = find(objects, kind, item_id)
            assert note.get("confidence") == scale.get(item.credibility), item_id
            assert note["x_briefgen_credibility"] == item.credibility
            assert note["x_briefgen_admiralty"] == f"{corpus.reliability_of(item)}{item.credibility}"


def test_credibility_6_has_no_confidence(objects):
    note = find(objects, "claim", "reports-of-isis-figures-deaths-manipulated")
    assert note["x_briefgen_credibility"] == 6
    assert note["x_briefgen_admiralty"] == "F6"
    assert "confidence" not in note


def test_tlp_clear_marking(objects):
    clear = TLP_MARKINGS["clear"]
    marking = next(o for o in objects if o["id"] == clear)
    assert marking["type"] == "marking-definition"
    assert marking["name"] == "TLP:CLEAR"
    assert marking["created"] == "2022-10-01T00:00:00.000Z"
    assert marking["extensions"] == {
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {"extension_type": "property-extension", "tlp_2_0": "clear"}
    }
    reports = [o for o in objects if o["type"] == "report"]
    assert len(reports) == 2
    for report in reports:
        assert report["object_marking_refs"] == [clear]
    for o in objects:
        if o["type"] != "marking-definition":
            assert o["object_marking_refs"] == [clear], o["id"]
    # only the markings in use are shipped
    assert [o["id"] for o in objects if o["type"] == "marking-definition"] == [clear]


def test_report_holds_its_items(objects):
    report = find(objects, "brief", "idleb-isis-hts")
    assert report["name"].startswith("ISIS leaders in HTS-held Idleb")
    assert report["published"].startswith("2023-08-01T00:00:00")
    assert report["report_types"] == ["threat-report"]
    refs = set(report["object_refs"])
    for kind, item in [
        ("claim", "isis-says-hts-killed-al-qurashi"),
        ("analysis", "sharifa-why-isis-leaders-hide-in-northwest-syria"),
        ("judgment", "kj-al-qurashi-likely-killed-in-turkish-operation"),
        ("actor", "hts"),
        ("source", "athr-press"),
    ]:
        assert find(objects, kind, item)["id"] in refs, (kind, item)
    ids = {o["id"] for o in objects}
    assert refs <= ids  # no dangling reference
    # a question's grouping is linked to the report, never listed in it
    grouping = find(objects, "question", "who-killed-al-qurashi")
    assert not any(r.startswith("grouping--") for r in refs)
    assert [o for o in objects if o["type"] == "relationship" and o["source_ref"] == report["id"] and o["target_ref"] == grouping["id"]
            and o["relationship_type"] == "related-to" and o["x_briefgen_relationship_type"] == "bears-on"]


def test_actor_aliases(objects):
    isis = find(objects, "actor", "isis")
    assert isis["type"] == "threat-actor"
    assert "Daesh" in isis["aliases"]
    assert "ISIL" in isis["aliases"]
    person = find(objects, "actor", "abu-muhammad-al-julani")
    assert person["type"] == "identity" and person["identity_class"] == "individual"
    assert "Jolani" in person["x_briefgen_aliases"]
    assert "Jolani" in person["description"]
    turkiye = find(objects, "actor", "turkiye")
    assert turkiye["type"] == "location" and turkiye["country"] == "TR"


def test_hostile_relationship(objects, generated):
    hts, isis = find(objects, "actor", "hts")["id"], find(objects, "actor", "isis")["id"]
    hostile = [
        o for o in objects
        if o["type"] == "relationship" and o.get("x_briefgen_relationship_type") == "hostile-to" and o["source_ref"] == hts and o["target_ref"] == isis
    ]
    assert hostile[0]["relationship_type"] == "related-to"  # STIX has no type that means "hostile to"
    assert hostile[0]["description"].startswith("Hay'at Tahrir al-Sham hostile to Islamic State (ISIS).")
    assert len(hostile) == 1
    authored = next(r for r in generated.corpus.actors["hts"].relations if r.type == "hostile-to")
    assert authored.since, "the bundled relation is dated: its mapping is what this test checks"
    assert hostile[0]["x_briefgen_since"] == authored.since
    assert hostile[0]["start_time"].startswith(timestamp(authored.since)[:19])


def test_source_identity_and_speaks_for(objects):
    source = find(objects, "source", "isis-affiliated-channels")
    assert source["type"] == "identity"
    assert source["x_briefgen_reliability"] == "E"
    assert "unreliable" in source["description"]
    expert = find(objects, "source", "abbas-sharifa")
    assert expert["identity_class"] == "individual"
    isis = find(objects, "actor", "isis")
    assert any(
        o["type"] == "relationship" and o["x_briefgen_relationship_type"] == "speaks-for" and o["relationship_type"] == "related-to"
        and o["source_ref"] == source["id"] and o["target_ref"] == isis["id"]
        for o in objects
    )


def test_judgment_note(objects, generated):
    corpus = generated.corpus
    scale = {"low": 15, "moderate": 50, "high": 85}  # STIX 2.1 None/Low/Med/High scale
    for judgment_id, judgment in corpus.judgments.items():
        note = find(objects, "judgment", judgment_id)
        assert note["type"] == "note"
        assert note["abstract"] == judgment.statement
        assert note["confidence"] == scale[judgment.confidence]
        assert note["x_briefgen_likelihood"] == judgment.likelihood
        basis = {find(objects, "claim" if b in corpus.claims else "analysis", b)["id"] for b in judgment.basis}
        assert basis <= set(note["object_refs"])
        if judgment.hypothesis:
            assert find(objects, "hypothesis", judgment.hypothesis)["id"] in note["object_refs"]
    note = find(objects, "judgment", "kj-al-qurashi-likely-killed-in-turkish-operation")
    assert note["x_briefgen_likelihood_range"] == "55–80%"


def test_analysis_note(objects, generated):
    corpus = generated.corpus
    for analysis_id, analysis in corpus.analyses.items():
        note = find(objects, "analysis", analysis_id)
        assert note["type"] == "note"
        assert note["abstract"] == analysis.title
        assert note["x_briefgen_source_ref"] == find(objects, "source", analysis.analyst)["id"]
        assert note["authors"] == [corpus.sources[analysis.analyst].name]


def test_ach_result_readable(objects, generated):
    for qid, matrix in generated.findings.matrices.items():
        grouping = find(objects, "question", qid)
        note = find(objects, "ach-result", qid)
        assert grouping["type"] == "grouping"
        table = note["content"]
        assert "| Rank | Hypothesis | Inconsistency | Weighted inconsistency |" in table
        assert table in grouping["description"]
        # hypotheses appear in rank order, with their scores
        positions = [table.index(f"(`{s.id}`)") for s in matrix.ranking]
        assert positions == sorted(positions)
        for s in matrix.ranking:
            assert f"| H{s.rank} | " in table
            assert f"| {s.inconsistency} | {s.weighted:.2f} |" in table
            hyp = find(objects, "hypothesis", s.id)
            assert hyp["x_briefgen_rank"] == s.rank
            assert hyp["x_briefgen_inconsistency"] == s.inconsistency
            assert hyp["x_briefgen_weighted_inconsistency"] == round(s.weighted, 4)
        evidence = {find(objects, row.kind, row.id)["id"] for row in matrix.rows}
        assert evidence and evidence <= set(note["object_refs"])
        assert evidence <= set(grouping["object_refs"])


def test_contradiction_relationship(objects):
    a = find(objects, "claim", "isis-says-hts-killed-al-qurashi")["id"]
    b = find(objects, "claim", "erdogan-says-turkish-intelligence-killed-al-qurashi")["id"]
    assert any(o["type"] == "relationship" and o["relationship_type"] == "related-to" and o["x_briefgen_relationship_type"] == "contradicts"
               and o["source_ref"] == a and o["target_ref"] == b for o in objects)


def test_custom_properties_declared_by_extension(objects):
    extension = next(o for o in objects if o["type"] == "extension-definition")
    declared = set(extension["extension_properties"])
    for o in objects:
        custom = {k for k in o if k.startswith("x_")}
        assert custom <= declared, (o["id"], custom - declared)
        if custom:
            assert o["extensions"][extension["id"]] == {"extension_type": "toplevel-property-extension"}


# --- publishing: nothing withheld reaches the bundle ------------------------

AMBER = {
    "actors/gamma-cell.yaml": """
        name: Gamma Cell Confidential
        kind: armed-group
        aliases: [Hidden Gamma Network]
        tlp: amber
        relations:
          - {type: allied-with, actor: alpha-group}
        """,
    "sources/inside-informant.yaml": """
        name: Inside Informant Sigma
        kind: other
        reliability: C
        tlp: amber
        """,
    "2024/amber-brief.yaml": """
        title: Restricted brief on the Gamma cell
        published: "2024-04-02"
        tlp: amber
        summary: Restricted bottom line that must never be published.
        claims:
          - id: informant-says-gamma-did-it
            statement: The informant says the Gamma cell carried it out.
            source: inside-informant
            reported: "2024-04-01"
            credibility: 3
            actors: [gamma-cell, alpha-group]
            location: Gamma Hideout Valley
            coordinates: [64.15, -21.94]
            quote: "Gamma did it, believe me."
            assessments: {h-alpha: II, h-beta: II}
        judgments:
          - id: gamma-judgment-restricted
            statement: Gamma was probably involved, restricted judgment.
            likelihood: roughly-even-chance
            confidence: low
            basis: [informant-says-gamma-did-it]
        """,
}

AMBER_TEXTS = [
    "Gamma Cell Confidential",
    "Hidden Gamma Network",
    "Inside Informant Sigma",
    "Restricted brief on the Gamma cell",
    "Restricted bottom line that must never be published.",
    "The informant says the Gamma cell carried it out.",
    "Gamma did it, believe me.",
    "Gamma Hideout Valley",
    "Gamma was probably involved, restricted judgment.",
    "informant-says-gamma-did-it",
    "gamma-judgment-restricted",
    "amber-brief",
    "gamma-cell",
    "inside-informant",
    "TLP:AMBER",
    TLP_MARKINGS["amber"],
]


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [" ".join(value.split())]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [*_strings(k), *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.fixture
def with_amber(minimal):
    for rel, text in AMBER.items():
        minimal.write(rel, textwrap.dedent(text))
    return minimal


def test_amber_brief_withheld_from_clear_export(with_amber):
    text = export(with_amber.root, Policy(max_tlp="clear"))
    validate(text)
    strings = _strings(json.loads(text))
    flat = "\n".join(strings)
    for needle in AMBER_TEXTS:
        assert needle not in text and needle not in flat, f"withheld text in the bundle: {needle!r}"
    # the scores come from the published evidence only
    objects = json.loads(text)["objects"]
    beta = find(objects, "hypothesis", "h-beta")
    alpha = find(objects, "hypothesis", "h-alpha")
    assert (alpha["x_briefgen_inconsistency"], beta["x_briefgen_inconsistency"]) == (2, 1)
    assert [o["id"] for o in objects if o["type"] == "marking-definition"] == [TLP_MARKINGS["clear"]]
    assert not [o for o in objects if o.get("latitude") == 64.15], "a withheld claim's location"


def test_amber_build_marks_amber_items(with_amber):
    text = export(with_amber.root, Policy(max_tlp="amber"))
    validate(text)
    objects = json.loads(text)["objects"]
    amber = [TLP_MARKINGS["amber"]]
    clear = [TLP_MARKINGS["clear"]]
    assert find(objects, "brief", "amber-brief")["object_marking_refs"] == amber
    assert find(objects, "claim", "informant-says-gamma-did-it")["object_marking_refs"] == amber
    assert find(objects, "judgment", "gamma-judgment-restricted")["object_marking_refs"] == amber
    assert find(objects, "location", "informant-says-gamma-did-it")["object_marking_refs"] == amber
    assert find(objects, "actor", "gamma-cell")["object_marking_refs"] == amber
    assert find(objects, "source", "inside-informant")["object_marking_refs"] == amber
    assert find(objects, "brief", "first-brief")["object_marking_refs"] == clear
    assert find(objects, "actor", "alpha-group")["object_marking_refs"] == clear
    # scores drawing on amber evidence are as restricted as that evidence
    assert find(objects, "question", "who-did-it")["object_marking_refs"] == amber
    assert find(objects, "hypothesis", "h-alpha")["x_briefgen_inconsistency"] == 4
    # gamma --allied-with--> alpha: the relation carries the stricter of both ends
    gamma, alpha = find(objects, "actor", "gamma-cell")["id"], find(objects, "actor", "alpha-group")["id"]
    rel = next(o for o in objects if o["type"] == "relationship" and o["source_ref"] == gamma and o["target_ref"] == alpha)
    assert rel["x_briefgen_relationship_type"] == "allied-with" and rel["object_marking_refs"] == amber
    markings = {o["id"]: o for o in objects if o["type"] == "marking-definition"}
    assert set(markings) == {TLP_MARKINGS["clear"], TLP_MARKINGS["amber"]}
    assert markings[TLP_MARKINGS["amber"]]["name"] == "TLP:AMBER"
    assert markings[TLP_MARKINGS["amber"]]["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]["tlp_2_0"] == "amber"


def test_minimal_corpus_dates_and_precision(minimal):
    objects = json.loads(export(minimal.root))["objects"]
    report = find(objects, "brief", "first-brief")
    assert report["created"] == "2024-03-01T00:00:00.000Z"  # published "2024-03"
    rel = next(o for o in objects if o["type"] == "relationship" and o.get("x_briefgen_relationship_type") == "hostile-to")
    assert rel["start_time"].startswith("2020-01-01T00:00:00")  # since "2020"
    for o in objects:
        if o.get("x_briefgen_kind") in ("actor", "source"):  # the one brief mentions them, or none does: its date
            assert o["created"] == o["modified"] == "2024-03-01T00:00:00.000Z"


def test_a_brief_with_nothing_in_it_is_still_a_valid_report(minimal):
    """STIX requires a report to refer to at least one object; an empty brief refers to its publisher."""
    minimal.write("2024/empty-brief.yaml", """
        title: Nothing yet
        published: "2024-04"
        tlp: clear
        summary: A brief whose claims are still being written.
        """)
    text = export(minimal.root)
    validate(text)
    objects = json.loads(text)["objects"]
    report = find(objects, "brief", "empty-brief")
    assert report["object_refs"] == [report["created_by_ref"]]


def test_each_line_of_the_exports_is_what_the_standard_json_encoder_writes(tmp_path):
    """The exports' lines come from orjson (`lines.encode`); they must be the bytes
    Python's own encoder gives, numbers and non-ASCII text included."""
    from generator.output import exports
    from generator.output.lines import encode

    synthetic.generate(40, tmp_path / "corpus", seed=3, restricted=0.05)
    synthetic.copy_project_files(tmp_path / "corpus")
    result = pipeline.validate(Project(tmp_path / "corpus"), Policy())
    compact = {"ensure_ascii": False, "separators": (",", ":")}
    for text, sort_keys in ((stix_bundle(result.corpus, result.findings), True), (exports.corpus_json(result.corpus, result.findings), False)):
        lines = [line.rstrip(",") for line in text.splitlines() if line.startswith("{\"") and not line.endswith("[")]
        assert len(lines) > 500
        for line in lines:
            assert line == json.dumps(json.loads(line), sort_keys=sort_keys, **compact)
    for value in [{"b": 0.25, "a": [1.5, 2.0, 0.0001, 1e16, -3]}, "Idlib\u2028 «HTS» \x00\x1f\t\"\\/<>&", True, None]:
        assert encode(value, sort_keys=True) == json.dumps(value, sort_keys=True, **compact).encode("utf-8")


# --- one bundle per brief -----------------------------------------------------


def test_each_briefs_own_bundle_is_valid_and_holds_what_its_report_lists(generated, objects):
    from generator.output.stix import BriefBundles

    bundles = BriefBundles(generated.corpus, generated.findings, Project(REPO).settings())
    whole = {o["id"]: o for o in objects}
    for brief_id in generated.corpus.briefs:
        text = bundles.bundle(brief_id).decode("utf-8")
        result = validate(text)
        assert not [w for w in result.warnings if warning_code(w) not in ACCEPTED_WARNINGS]
        parsed = stix2.parse(text, allow_custom=True)
        own = {o["id"]: o for o in json.loads(text)["objects"]}
        assert [o.id for o in parsed.objects] == sorted(own)
        report = find(list(own.values()), "brief", brief_id)
        assert set(report["object_refs"]) <= set(own)  # every object the report lists
        assert all(own[i] == whole[i] for i in own)  # each the same object as in the whole bundle
        for o in own.values():
            if o["type"] == "relationship":
                assert o["source_ref"] in own and o["target_ref"] in own, o["id"]


def test_the_brief_page_links_its_own_bundle(tmp_path):
    import shutil

    root = tmp_path / "project"
    top = {"build", "site", ".git", "node_modules", ".venv"}
    shutil.copytree(REPO, root, ignore=lambda folder, names: top & set(names) if Path(folder) == REPO else set())
    r = run_cli("build", cwd=root)
    assert r.code == 0, r.err
    page = (root / "site/briefs/idleb-isis-hts/index.html").read_text("utf-8")
    assert 'href="stix.json"' in page
    bundle = json.loads((root / "site/briefs/idleb-isis-hts/stix.json").read_text("utf-8"))
    assert sum(o["type"] == "report" for o in bundle["objects"]) == 1


def test_a_question_is_linked_to_every_brief_bearing_on_it(tmp_path):
    """A brief bears on a question through an item rating one of its hypotheses, or through a judgment on one alone."""
    import shutil

    import yaml

    root = tmp_path / "proj"
    for part in ("briefs", "site_config", "mkdocs.yml"):
        (shutil.copytree if (REPO / part).is_dir() else shutil.copy)(REPO / part, root / part)
    path = next(root.glob("briefs/**/idleb-isis-hts.yaml"))
    data = yaml.safe_load(path.read_text("utf-8"))
    for item in [*data.get("claims", []), *data.get("analyses", [])]:
        item.pop("assessments", None)  # its judgment alone bears on the question
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), "utf-8")
    result = pipeline.validate(Project(root), Policy())
    c = result.corpus
    rated = {(b, c.question_of[h]) for b, brief in c.briefs.items() for item in (*brief.claims, *brief.analyses) for h in item.assessments}
    judged = {(b, c.question_of[j.hypothesis]) for b, brief in c.briefs.items() for j in brief.judgments if j.hypothesis}
    assert judged - rated, "a brief must bear on a question through a judgment alone"
    objects = json.loads(stix_bundle(c, result.findings, Project(root).settings()))["objects"]
    by_id = {o["id"]: o for o in objects}
    linked = {(by_id[o["source_ref"]]["x_briefgen_id"], by_id[o["target_ref"]]["x_briefgen_id"])
              for o in objects if o.get("x_briefgen_relationship_type") == "bears-on"}
    assert linked == rated | judged
