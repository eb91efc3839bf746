"""The STIX export as MISP imports it: through the MISP project's own converter, misp-stix.

`misp_stix_converter.stix_2_to_misp` reads a bundle as an *external* one (no
MISP labels), makes one MISP event per report and per grouping, takes identities
and geolocated locations as MISP objects, threat actors and country locations
as galaxy clusters, notes as analyst notes on what they refer to, and a
relationship as a reference of the MISP object it starts from (or, when it ends
at a galaxy cluster, as that cluster on the object). An identity that is the
``created_by_ref`` of an object is taken for the producer and not imported.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from misp_stix_converter.stix2misp.importparser import MISP_org_uuid
from misp_stix_converter.tools.stix2_loading_helpers import load_stix2_file
from misp_stix_converter.tools.stix2_to_misp_helpers import get_stix2_parser, is_stix2_from_misp
from pymisp import MISPEvent

from generator.build import driver as pipeline
from generator.config import Project
from generator.output.stix import BriefBundles, stix_bundle
from generator.stages.corpus import Policy

REPO = Path(__file__).resolve().parent.parent


def misp_import(text: str, folder: Path) -> list[MISPEvent]:
    """The MISP events misp-stix makes of a bundle, failing on any error or warning it reports.

    The steps of `misp_stix_converter.stix_2_to_misp`, which writes the events to files (that PyMISP
    cannot load again: the analyst notes' dates are written with their UTC offset twice), kept in memory."""
    folder.mkdir(parents=True, exist_ok=True)
    bundle_path = folder / "bundle.json"
    bundle_path.write_text(text, "utf-8")
    bundle = load_stix2_file(bundle_path)
    from_misp = is_stix2_from_misp(bundle.objects)
    assert not from_misp  # briefgen's bundle is read as an external one
    parser_class, args = get_stix2_parser(from_misp, 0, None, None, None, False, False, False, MISP_org_uuid, 0, None)
    parser = parser_class()
    parser.load_stix_bundle(bundle)
    parser.parse_stix_bundle(**args)
    assert not parser.errors and not parser.warnings, (dict(parser.errors), dict(parser.warnings))
    events = [parser.misp_event] if parser.single_event else list(parser.misp_events)
    return events


@pytest.fixture(scope="module")
def generated() -> pipeline.Generated:
    return pipeline.validate(Project(REPO), Policy())


@pytest.fixture(scope="module")
def objects(generated) -> list[dict]:
    return json.loads(stix_bundle(generated.corpus, generated.findings, Project(REPO).settings()))["objects"]


@pytest.fixture(scope="module")
def events(generated, tmp_path_factory) -> dict[str, MISPEvent]:
    """The bundled corpus's bundle in MISP: each event by the briefgen id of its report or grouping."""
    text = stix_bundle(generated.corpus, generated.findings, Project(REPO).settings())
    by_uuid = {o["id"].split("--")[1]: o["x_briefgen_id"] for o in json.loads(text)["objects"] if o["type"] in ("report", "grouping")}
    return {by_uuid[e.uuid]: e for e in misp_import(text, tmp_path_factory.mktemp("misp"))}


def _name(misp_object) -> str | None:
    return next((a.value for a in misp_object.attributes if a.object_relation == "name"), None)  # a geolocation has none


def _clusters(misp_object) -> set[str]:
    return {c.value for a in misp_object.attributes for g in a.galaxies for c in g.clusters}


def test_every_report_and_question_is_an_event(events, generated):
    assert set(events) == set(generated.corpus.briefs) | set(generated.corpus.questions)
    for brief_id, brief in generated.corpus.briefs.items():
        event = events[brief_id]
        assert event.info == brief.title
        assert event.published, f"{brief_id}: a report comes out published"
        assert {t.name for t in event.tags} >= {"tlp:clear", 'misp-galaxy:producer="Idleb Security Briefs"'}


def test_every_source_is_an_organisation_or_an_identity(events, generated):
    corpus = generated.corpus
    for brief_id, brief in corpus.briefs.items():
        cited = {s for item in (*brief.claims, *brief.analyses) for s in (getattr(item, "source", None) or item.analyst, *item.via)}
        present = {_name(o): o.name for o in events[brief_id].objects if o.name in ("organization", "identity")}
        for s in cited:
            assert corpus.sources[s].name in present, (brief_id, s)
    all_present = {_name(o) for e in events.values() for o in e.objects}
    assert {s.name for s in corpus.sources.values()} <= all_present  # every one of the sources


def test_every_claim_is_a_note_on_its_brief_with_its_admiralty_code(events, generated):
    corpus = generated.corpus
    for claim_id, claim in corpus.claims.items():
        event = events[corpus.brief_of[claim_id]]
        notes = [n for n in event.notes if n.comment == claim.statement]
        assert len(notes) == 1, claim_id
        code = corpus.admiralty(claim)
        assert f"**Admiralty code:** {code}" in notes[0].note
        assert notes[0].authors == corpus.sources[claim.source].name
        # and on its source's organisation or identity
        source = next(o for o in event.objects if _name(o) == corpus.sources[claim.source].name)
        assert any(n.comment == claim.statement for n in source.notes), claim_id


def test_every_located_claim_is_a_geolocation_of_its_event_with_the_claims_note(events, generated):
    corpus = generated.corpus
    located = {c: claim for c, claim in corpus.claims.items() if claim.coordinates is not None}
    assert len(located) >= 2
    for claim_id, claim in located.items():
        event = events[corpus.brief_of[claim_id]]
        places = [o for o in event.objects if o.name == "geolocation"
                  and any(a.object_relation == "text" and claim.statement in a.value for a in o.attributes)]
        assert len(places) == 1, claim_id
        values = {a.object_relation: a.value for a in places[0].attributes}
        assert (float(values["latitude"]), float(values["longitude"])) == claim.coordinates
        assert values["text"].startswith(f"{claim.location}: {claim.location_basis} location"), values["text"]
        assert any(n.comment == claim.statement for n in places[0].notes), claim_id


def test_every_relation_starting_at_an_object_is_kept_with_its_type(events, objects):
    """A relationship from an identity is a reference of its MISP object with the relationship's type, or,
    when it ends at a threat actor or a country, that galaxy cluster on the object."""
    by_id = {o["id"]: o for o in objects}
    kept = 0
    for event in events.values():
        for misp_object in event.objects:
            for rel in (o for o in objects if o["type"] == "relationship" and o["source_ref"].split("--")[1] == misp_object.uuid):
                target = by_id[rel["target_ref"]]
                if target["type"] == "identity":
                    assert (target["id"].split("--")[1], rel["relationship_type"]) in {
                        (r.referenced_uuid, r.relationship_type) for r in misp_object.references}, rel["id"]
                else:
                    assert target["name"] in _clusters(misp_object), rel["id"]
                kept += 1
    relations = [o for o in objects if o["type"] == "relationship" and o["x_briefgen_kind"] in ("relation", "speaks-for")]
    starting_at_identities = [r for r in relations if r["source_ref"].startswith("identity--")]
    assert starting_at_identities and kept >= len(starting_at_identities)


def test_the_actors_a_brief_concerns_are_galaxies_of_its_event(events, objects):
    for report in (o for o in objects if o["type"] == "report"):
        event = events[report["x_briefgen_id"]]
        shown = {c.value for g in event.galaxies for c in g.clusters} | {c for o in event.objects for c in _clusters(o)}
        actors = [o for o in objects if o["id"] in report["object_refs"] and o["type"] == "threat-actor"]
        assert actors and {a["name"] for a in actors} <= shown, report["x_briefgen_id"]
        assert any(g.type == "stix-2.1-threat-actor" for g in event.galaxies)  # at the event's level too


def test_each_briefs_own_bundle_is_one_event(generated, tmp_path):
    bundles = BriefBundles(generated.corpus, generated.findings, Project(REPO).settings())
    for brief_id, brief in generated.corpus.briefs.items():
        [event] = misp_import(bundles.bundle(brief_id).decode("utf-8"), tmp_path / brief_id)
        assert event.info == brief.title and event.published
        assert {n.comment for n in event.notes} >= {c.statement for c in brief.claims}
        assert "tlp:clear" in {t.name for t in event.tags}
