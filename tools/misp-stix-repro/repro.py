"""What misp-stix keeps of the relationships of a small external STIX 2.1 bundle, and what it loses.

Run: python tools/misp-stix-repro/repro.py [--fixed]

The bundle: a publisher identity (creator of everything), a person identity X and another Y,
two threat actors A and B, two notes, a report listing all of them and a grouping, and one
relationship of each shape briefgen writes (all `related-to`). misp-stix (`stix_2_to_misp`) is
run on it as the public function runs it, in memory; the script prints, for each relationship,
what the MISP events hold of it, then where in the installed misp-stix the loss comes from.
With --fixed the proposed upstream change (see README.md) is applied first, as a patch in
memory, to show what it gives back.
"""

from __future__ import annotations

import argparse
import inspect
import json
import tempfile
from importlib.metadata import version
from pathlib import Path

from misp_stix_converter.stix2misp.converters.stix2converter import ExternalSTIX2Converter
from misp_stix_converter.stix2misp.importparser import MISP_org_uuid
from misp_stix_converter.stix2misp.stix2_to_misp import STIX2toMISPParser
from misp_stix_converter.tools.stix2_loading_helpers import load_stix2_file
from misp_stix_converter.tools.stix2_to_misp_helpers import get_stix2_parser, is_stix2_from_misp

DATE = "2024-01-01T00:00:00.000Z"
PUBLISHER = "identity--00000000-0000-4000-8000-000000000001"
X = "identity--00000000-0000-4000-8000-000000000002"
Y = "identity--00000000-0000-4000-8000-000000000003"
A = "threat-actor--00000000-0000-4000-8000-000000000004"
B = "threat-actor--00000000-0000-4000-8000-000000000005"
N1 = "note--00000000-0000-4000-8000-000000000006"
N2 = "note--00000000-0000-4000-8000-000000000007"
REPORT = "report--00000000-0000-4000-8000-000000000008"
GROUPING = "grouping--00000000-0000-4000-8000-000000000009"

COMMON = {"spec_version": "2.1", "created": DATE, "modified": DATE, "created_by_ref": PUBLISHER}
# Each relationship: its id's last digits, source, target, and what it stands for.
RELATIONSHIPS = [
    ("a1", X, Y, "identity -> identity"),
    ("a2", X, B, "identity -> threat actor"),
    ("a3", A, B, "threat actor -> threat actor (the source cluster at the event's level)"),
    ("a4", B, A, "threat actor -> threat actor (the source cluster on an object)"),
    ("a5", N1, N2, "note -> note"),
    ("a6", REPORT, GROUPING, "report -> grouping"),
]


def bundle() -> dict:
    objects = [
        {"type": "identity", "id": PUBLISHER, "spec_version": "2.1", "created": DATE, "modified": DATE,
         "name": "Publisher", "identity_class": "organization"},
        {"type": "identity", "id": X, **COMMON, "name": "Person X", "identity_class": "individual"},
        {"type": "identity", "id": Y, **COMMON, "name": "Person Y", "identity_class": "individual"},
        {"type": "threat-actor", "id": A, **COMMON, "name": "Group A"},
        {"type": "threat-actor", "id": B, **COMMON, "name": "Group B"},
        {"type": "note", "id": N1, **COMMON, "content": "Claim one", "object_refs": [A]},
        {"type": "note", "id": N2, **COMMON, "content": "Claim two", "object_refs": [A]},
        {"type": "report", "id": REPORT, **COMMON, "modified": "2024-01-01T00:00:00.001Z", "published": DATE,
         "name": "Report", "report_types": ["threat-report"], "object_refs": [X, Y, A, B, N1, N2]},
        {"type": "grouping", "id": GROUPING, **COMMON, "name": "Question", "context": "unspecified",
         "object_refs": [A]},
    ]
    for digits, source, target, _ in RELATIONSHIPS:
        objects.append({"type": "relationship", "id": f"relationship--00000000-0000-4000-8000-0000000000{digits}",
                        **COMMON, "relationship_type": "related-to", "source_ref": source, "target_ref": target})
    return {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": objects}


def misp_events(path: Path) -> list:
    """`misp_stix_converter.stix_2_to_misp` with its default options, keeping the events in memory."""
    stix = load_stix2_file(path)
    parser_class, args = get_stix2_parser(is_stix2_from_misp(stix.objects), 0, None, None, None, False, False, False,
                                          MISP_org_uuid, 0, None)
    parser = parser_class()
    parser.load_stix_bundle(stix)
    parser.parse_stix_bundle(**args)
    return list(parser.misp_events)


def held(events: list, source: str, target: str) -> list[str]:
    """What the MISP events hold of the relationship source -> target."""
    names = {A: "Group A", B: "Group B"}
    s, t = source.split("--")[1], target.split("--")[1]
    cluster_uuids = {c.uuid: c.value for e in events for g in e.galaxies for c in g.clusters}
    cluster_uuids |= {c.uuid: c.value for e in events for o in e.objects for a in o.attributes
                      for g in a.galaxies for c in g.clusters}
    found = []
    for event in events:
        for misp_object in event.objects:
            if misp_object.uuid != s:
                continue
            found += [f"reference {r.relationship_type} on the object of {event.info}"
                      for r in misp_object.references if r.referenced_uuid == t]
            found += [f"cluster {c.value} on the object of {event.info}, with no type"
                      for a in misp_object.attributes[:1] for g in a.galaxies for c in g.clusters if c.value == names.get(target)]
        clusters = {id(c): c for g in event.galaxies for c in g.clusters}
        clusters |= {id(c): c for o in event.objects for a in o.attributes for g in a.galaxies for c in g.clusters}
        for cluster in clusters.values():
            if cluster.value == names.get(source):
                found += [f"cluster relation {r.referenced_galaxy_cluster_type} in {event.info}"
                          for r in cluster.cluster_relations
                          if cluster_uuids.get(r.referenced_galaxy_cluster_uuid) == names.get(target)]
    return sorted(set(found))


def fix() -> None:
    """The proposed upstream change, applied in memory: a cluster's relationships are looked up by the
    uuid of the STIX object it is made from, for every cluster of the event, the ones on its objects and
    attributes included."""

    def parse_galaxy_relationships(self) -> None:
        stix_uuid = {c["cluster"].uuid: ref.split("--")[1] for ref, c in self._clusters.items()
                     if not isinstance(c["cluster"], list)}
        event = self.misp_event
        layers = [event, *(a for o in event.objects for a in o.attributes), *event.attributes]
        clusters = {id(c): c for layer in layers for g in layer.galaxies for c in g.clusters}
        for cluster in clusters.values():
            for referenced, relationship_type in sorted(self._relationship.get(stix_uuid.get(cluster.uuid), ())):
                if referenced not in self._clusters or isinstance(self._clusters[referenced]["cluster"], list):
                    continue
                target = self._clusters[referenced]["cluster"].uuid
                if not any(r.referenced_galaxy_cluster_uuid == target for r in cluster.cluster_relations):
                    cluster.add_cluster_relation(target, relationship_type)

    STIX2toMISPParser._parse_galaxy_relationships = parse_galaxy_relationships


def where(function) -> str:
    """file:first-last line of a function of the installed misp-stix."""
    lines, first = inspect.getsourcelines(function)
    parts = Path(inspect.getsourcefile(function)).parts
    path = "/".join(parts[parts.index("misp_stix_converter"):])
    return f"{path}:{first}-{first + len(lines) - 1}"


# Read before --fixed replaces one of them.
AT_FAULT = [
    ("cluster uuid = uuid5(STIX uuid + organisation uuid)", where(ExternalSTIX2Converter._create_cluster_args)),
    ("relationships stored under the STIX uuid of their source", where(STIX2toMISPParser._load_relationship)),
    ("looked up by the cluster's uuid, for event-level clusters only",
     where(STIX2toMISPParser._parse_galaxy_relationships)),
    ("an object's relationship to a cluster becomes the cluster, its type dropped",
     where(STIX2toMISPParser._parse_object_relationships_as_container)),
    ("only the event's attributes and objects are sources of relationships",
     where(STIX2toMISPParser._parse_relationships)),
]


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--fixed", action="store_true", help="apply the proposed upstream change first")
    fixed = options.parse_args().fixed
    if fixed:
        fix()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bundle.json"
        path.write_text(json.dumps(bundle(), indent=1), "utf-8")
        events = misp_events(path)
    print(f"misp-stix {version('misp-stix')}, pymisp {version('pymisp')}{', with the proposed fix' if fixed else ''}")
    print(f"events: {', '.join(e.info for e in events)}")
    print(f"event-level clusters: { {e.info: [c.value for g in e.galaxies for c in g.clusters] for e in events} }")
    lost = 0
    for digits, source, target, shape in RELATIONSHIPS:
        found = held(events, source, target)
        typed = [f for f in found if "with no type" not in f]
        lost += not typed
        print(f"\n{shape} (relationship ...{digits}, related-to):")
        print("  " + ("\n  ".join(found) if found else "LOST: nothing in MISP"))
    print(f"\n{lost} of {len(RELATIONSHIPS)} relationships have no typed link in MISP.\n")
    print("Where, in the installed misp-stix:")
    for what, at in AT_FAULT:
        print(f"  {what}: {at}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
