"""Stage 3: the corpus, with ids resolved, backlinks built and the publish filter applied.

`build_corpus` validates every document, checks that ids are unique and every
reference resolves, then keeps only what this build may publish (TLP at or
below `max_tlp`, no drafts unless asked). Later stages see only the published
view; what was withheld is only counted (the leak check reads the files again).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from generator.errors import ContentError, Problem, did_you_mean
from generator.format import vocab
from generator.format.models import Actor, Analysis, Brief, Claim, Hypothesis, Judgment, Question, Source
from generator.stages.load import Document
from generator.stages.validate import validate_document


@dataclass(frozen=True)
class Policy:
    """What a build publishes."""

    max_tlp: str = "clear"
    drafts: bool = False
    require_review: bool = False  # a brief needs `reviewed_by` and `approved` to be published (drafts builds excepted)

    def allows(self, tlp: str, status: str = "published") -> bool:
        return vocab.tlp_rank(tlp) <= vocab.tlp_rank(self.max_tlp) and (status == "published" or self.drafts)

    def unreviewed(self, brief: Brief) -> bool:
        """Whether the brief lacks the review this site requires before publication."""
        return self.require_review and not (brief.reviewed_by and brief.approved)


@dataclass
class Withheld:
    """An item left out of this build, with why."""

    kind: str
    id: str
    reason: str


@dataclass
class Corpus:
    """The published view of the corpus; every reference in it resolves inside it."""

    policy: Policy
    actors: dict[str, Actor] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)
    briefs: dict[str, Brief] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)
    analyses: dict[str, Analysis] = field(default_factory=dict)
    judgments: dict[str, Judgment] = field(default_factory=dict)
    hypotheses: dict[str, Hypothesis] = field(default_factory=dict)
    # where each item lives
    brief_of: dict[str, str] = field(default_factory=dict)  # claim/analysis/judgment id -> brief id
    question_of: dict[str, str] = field(default_factory=dict)  # hypothesis id -> question id
    # backlinks (each list in corpus order)
    claims_by_actor: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    analyses_by_actor: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    claims_by_source: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    relayed_by_source: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    analyses_by_source: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    sources_by_actor: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    judgments_by_item: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    judgments_by_hypothesis: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    relations_in: dict[str, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))  # target -> (holder, index)
    relations_toward: dict[str, dict[str, list[int]]] = field(default_factory=lambda: defaultdict(dict))  # holder -> target -> indices
    contradictions: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # symmetric
    corroborations: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # symmetric
    withheld: list[Withheld] = field(default_factory=list)
    history: Any = None  # `stages.history.History` of the published briefs, which a build reads after this stage
    # where each published file and hypothesis was written: (namespace, id) -> (document, loc);
    # namespaces: actor, source, question, brief, hypothesis. A brief's claims, analyses and
    # judgments: see `origin` (not listed here: they are many, and every snapshot would carry them)
    origins: dict[tuple[str, str], tuple[Document, tuple]] = field(default_factory=dict)

    def __getstate__(self) -> dict:
        """Pickled (the build's snapshot) without its history: each build reads that anew, from git
        and what the build cache keeps of it, and a snapshot carrying it would only be slower."""
        return {**self.__dict__, "history": None}

    def origin(self, namespace: str, item_id: str) -> tuple[Document, tuple]:
        """Where a published thing was written: its document, and the loc of its `id` field (of the
        whole file for a file). Namespaces: those of `origins`, and item (a claim, analysis or judgment)."""
        if namespace != "item":
            return self.origins[(namespace, item_id)]
        brief_id = self.brief_of[item_id]
        doc, _ = self.origins[("brief", brief_id)]
        brief = self.briefs[brief_id]
        for _, attr in _ITEMS:
            for i, item in enumerate(getattr(brief, attr)):
                if item.id == item_id:
                    return doc, (attr, i, "id")
        raise KeyError(item_id)

    def problem(self, namespace: str, item_id: str, loc: tuple, message: str, level: str = "warning", key: bool = False) -> Problem:
        """A problem at field `loc` inside the thing (namespace, id)."""
        doc, base = self.origin(namespace, item_id)
        if namespace in ("item", "hypothesis"):
            base = base[:-1]  # the registered loc points at the `id` field
        return doc.problem(base + loc, message, key=key, level=level)

    def item(self, item_id: str) -> Claim | Analysis | Judgment:
        return self.claims.get(item_id) or self.analyses.get(item_id) or self.judgments[item_id]

    def admiralty(self, claim: Claim) -> str:
        return f"{self.sources[claim.source].reliability}{claim.credibility}"

    def reliability_of(self, item: Claim | Analysis) -> str:
        return self.sources[item.source if isinstance(item, Claim) else item.analyst].reliability

    def latest_epoch(self) -> int:
        """The latest published or updated date of any brief, as a Unix time (0 if none)."""
        dates = [d for b in self.briefs.values() for d in (b.published, b.updated) if d]
        if not dates:
            return 0
        parts = [int(p) for p in max(dates, key=lambda d: [int(p) for p in d.split("-")]).split("-")] + [1, 1]
        year = max(parts[0], datetime.MINYEAR)  # ISO's year 0000 is valid, Python's is not: long before 1970 either way
        return int(datetime.datetime(year, parts[1], parts[2], tzinfo=datetime.timezone.utc).timestamp())

    def place_items(self, brief_id: str, brief: Brief) -> None:
        """A published brief's claims, analyses and judgments in their tables, with their brief."""
        for _, attr in _ITEMS:
            table = getattr(self, attr)
            for item in getattr(brief, attr):
                table[item.id] = item
                self.brief_of[item.id] = brief_id

    def highest_tlp(self) -> str:
        tlps = [x.tlp for table in (self.actors, self.sources, self.questions, self.briefs) for x in table.values()]
        return max(tlps, key=vocab.tlp_rank, default="clear")


# --- building ---------------------------------------------------------------

_ITEMS = (("claim", "claims"), ("analysis", "analyses"), ("judgment", "judgments"))
# the fields of a brief's items that name other items and entities, and what they name
_REFERENCES = {
    "claim": (("source", "source"), ("via", "source"), ("actors", "actor"), ("assessments", "hypothesis"),
              ("contradicts", "claim"), ("corroborates", "claim")),
    "analysis": (("analyst", "source"), ("via", "source"), ("actors", "actor"), ("assessments", "hypothesis")),
    "judgment": (("basis", "evidence"), ("hypothesis", "hypothesis")),
}


def _all_sound(brief, sound: dict[str, set[str]]) -> bool:
    """Every reference of a brief's items names a target of `sound` (`_Builder.sound_targets`)."""
    for kind, attr in _ITEMS:
        fields = _REFERENCES[kind]
        for item in getattr(brief, attr):
            for name, namespace in fields:
                value = getattr(item, name)
                if value is None:
                    continue
                if isinstance(value, str):
                    if value not in sound[namespace]:
                        return False
                elif not sound[namespace].issuperset(value):
                    return False
    return True


class _Builder:
    def __init__(self, docs: list[Document], policy: Policy):
        self.docs = docs
        self.policy = policy
        self.problems: list[Problem] = []
        # full (unfiltered) registries: id -> (model, document, loc)
        self.full: dict[str, dict[str, tuple]] = {k: {} for k in ("actor", "source", "question", "brief", "item", "hypothesis")}
        self.item_kind: dict[str, str] = {}
        self.brief_of: dict[str, str] = {}
        self.question_of: dict[str, str] = {}
        self._allowed: dict[tuple[str, str], bool] = {}  # owner -> published in this build

    # -- registration and uniqueness
    def register(self, namespace: str, item_id: str, model, doc: Document, loc: tuple, label: str):
        table = self.full[namespace]
        if item_id in table:
            _, first_doc, first_loc = table[item_id]
            line, col = first_doc.position(first_loc)
            self.problems.append(doc.problem(loc, f"duplicate {label} id '{item_id}': already used at {first_doc.path}:{line}:{col}"))
            return False
        table[item_id] = (model, doc, loc)
        return True

    def collect(self):
        for doc in self.docs:
            model, problems = validate_document(doc)
            self.problems.extend(problems)
            # An invalid file still registers the ids it declares, so that its
            # one mistake is not reported again at every reference to it.
            if model is not None:
                doc.model = model
                doc.data = None  # the model holds it now; positions are re-read from the file if needed
            if not self.register(doc.kind, doc.id, model, doc, (), doc.kind):
                continue
            if doc.kind == "question":
                for i, h in enumerate(_declared(model, doc, "hypotheses")):
                    if self.register("hypothesis", h, None, doc, ("hypotheses", i, "id"), "hypothesis"):
                        self.question_of[h] = doc.id
            elif doc.kind == "brief":
                for kind, attr in _ITEMS:
                    for i, item_id in enumerate(_declared(model, doc, attr)):
                        if self.register("item", item_id, None, doc, (attr, i, "id"), "claim/analysis/judgment"):
                            self.item_kind[item_id] = kind
                            self.brief_of[item_id] = doc.id

    # -- references
    def references(self, sound: dict[str, set[str]] | None = None):
        """Every (holder namespace, holder id, target namespace, target id, doc, loc) reference;
        with the `sound` targets (`sound_targets`), not those of a brief whose every reference is sound."""
        for actor_id, (actor, doc, _) in self.full["actor"].items():
            if actor is None:
                continue
            for i, rel in enumerate(actor.relations):
                yield "actor", actor_id, "actor", rel.actor, doc, ("relations", i, "actor")
                if rel.source:
                    yield "actor", actor_id, "source", rel.source, doc, ("relations", i, "source")
        for source_id, (source, doc, _) in self.full["source"].items():
            if source is not None and source.actor:
                yield "source", source_id, "actor", source.actor, doc, ("actor",)
        for brief_id, (brief, doc, _) in self.full["brief"].items():
            if brief is None or (sound is not None and _all_sound(brief, sound)):
                continue
            for kind, attr in _ITEMS:
                for i, item in enumerate(getattr(brief, attr)):
                    for name, namespace in _REFERENCES[kind]:
                        value = getattr(item, name)
                        if value is None:
                            continue
                        if isinstance(value, str):
                            yield "item", item.id, namespace, value, doc, (attr, i, name)
                        elif isinstance(value, dict):  # assessments: hypothesis -> rating
                            for h in value:
                                yield "item", item.id, namespace, h, doc, (attr, i, name, h)
                        else:
                            for j, target in enumerate(value):
                                yield "item", item.id, namespace, target, doc, (attr, i, name, j)

    def target_exists(self, namespace: str, target: str) -> bool:
        if namespace == "claim":
            return self.item_kind.get(target) == "claim"
        if namespace == "evidence":
            return self.item_kind.get(target) in ("claim", "analysis")
        return target in self.full[namespace]

    def choices(self, namespace: str) -> list[str]:
        """The ids a reference to `namespace` could have meant (for did-you-mean)."""
        if namespace == "claim":
            return [i for i, k in self.item_kind.items() if k == "claim"]
        if namespace == "evidence":
            return [i for i, k in self.item_kind.items() if k != "judgment"]
        return list(self.full[namespace])

    # -- publishing
    def owner(self, namespace: str, item_id: str) -> tuple[str, str]:
        """The file-level entity whose TLP and status an item shares: a brief's items, a question's hypotheses."""
        if namespace in ("item", "claim", "evidence"):
            return "brief", self.brief_of[item_id]
        if namespace == "hypothesis":
            return "question", self.question_of[item_id]
        return namespace, item_id

    def tlp_status(self, namespace: str, item_id: str) -> tuple[str, str]:
        kind, owner_id = self.owner(namespace, item_id)
        model = self.full[kind][owner_id][0]
        return model.tlp, getattr(model, "status", "published")

    def broken(self, namespace: str, item_id: str) -> bool:
        kind, owner_id = self.owner(namespace, item_id)
        return self.full[kind][owner_id][0] is None

    def published(self, namespace: str, item_id: str) -> bool:
        owner = self.owner(namespace, item_id)
        allowed = self._allowed.get(owner)
        if allowed is None:  # once per file: a million references share a few thousand owners
            allowed = self._allowed[owner] = self.policy.allows(*self.tlp_status(namespace, item_id))
        return allowed

    def describe(self, namespace: str, item_id: str) -> str:
        kind = {"item": None, "claim": None, "evidence": None}.get(namespace, namespace)
        kind = kind or self.item_kind.get(item_id, "item")
        tlp, status = self.tlp_status(namespace, item_id)
        why = "a draft" if status == "draft" and vocab.tlp_rank(tlp) <= vocab.tlp_rank(self.policy.max_tlp) else vocab.TLP[tlp].label
        return f"{kind} '{item_id}' ({why})"

    def sound_targets(self) -> dict[str, set[str]]:
        """By namespace, the targets no reference can be wrong to point at: they exist,
        their file loaded, and this build publishes them (most targets, most of the time)."""
        def sound(namespace: str, item_id: str) -> bool:
            return not self.broken(namespace, item_id) and self.published(namespace, item_id)

        out = {ns: {i for i in self.full[ns] if sound(ns, i)} for ns in ("actor", "source", "hypothesis")}
        out["claim"] = {i for i, k in self.item_kind.items() if k == "claim" and sound("item", i)}
        out["evidence"] = out["claim"] | {i for i, k in self.item_kind.items() if k == "analysis" and sound("item", i)}
        return out

    def check_reviews(self):
        """Under `require_review`, a brief this build publishes must carry its review, unless the
        build shows drafts (which marks it "not reviewed")."""
        if not self.policy.require_review or self.policy.drafts:
            return
        for brief_id, (brief, doc, _) in self.full["brief"].items():
            if brief is not None and self.published("brief", brief_id) and self.policy.unreviewed(brief):
                missing = " and ".join(f for f in ("reviewed_by", "approved") if not getattr(brief, f))
                self.problems.append(doc.problem(
                    ("reviewed_by",) if brief.reviewed_by else ("title",),
                    f"brief '{brief_id}' has no {missing}: site_config requires a review before a brief is published "
                    f"(require_review: true); add {missing}, or build with --drafts to preview it marked \"not reviewed\"",
                    key=True))

    def check_references(self):
        sound = self.sound_targets()
        for holder_ns, holder, ns, target, doc, loc in self.references(sound):
            if target in sound[ns]:
                continue
            if not self.target_exists(ns, target):
                noun = {"evidence": "claim or analysis", "claim": "claim"}.get(ns, ns)
                hint = did_you_mean(target, self.choices(ns))
                self.problems.append(doc.problem(loc, f"unknown {noun} '{target}'{hint}", key=ns == "hypothesis"))
                continue
            if self.broken(holder_ns, holder) or self.broken(ns, target):
                continue  # already reported where the file failed
            if self.published(holder_ns, holder) and not self.published(ns, target):
                self.problems.append(doc.problem(
                    loc,
                    f"published {self.describe(holder_ns, holder)} references {self.describe(ns, target)}, "
                    f"which this build does not publish (max TLP:{self.policy.max_tlp.upper()}"
                    f"{', drafts included' if self.policy.drafts else ', no drafts'})",
                    key=ns == "hypothesis",
                ))

    # -- the published view
    def corpus(self) -> Corpus:
        c = Corpus(policy=self.policy)
        for namespace, attr in vocab.PLURAL.items():
            table = getattr(c, attr)
            for item_id, (model, _, _) in self.full[namespace].items():
                if self.published(namespace, item_id):
                    table[item_id] = model
                else:
                    c.withheld.append(Withheld(namespace, item_id, self.describe(namespace, item_id)))
        for question_id, question in c.questions.items():
            for h in question.hypotheses:
                c.hypotheses[h.id] = h
                c.question_of[h.id] = question_id
        for brief_id, brief in c.briefs.items():
            c.place_items(brief_id, brief)
        for namespace in vocab.KINDS:
            table = getattr(c, vocab.PLURAL[namespace])
            for item_id in table:
                _, doc, loc = self.full[namespace][item_id]
                c.origins[(namespace, item_id)] = (doc, loc)
        for hyp_id in c.hypotheses:
            _, doc, loc = self.full["hypothesis"][hyp_id]
            c.origins[("hypothesis", hyp_id)] = (doc, loc)
        _backlinks(c)
        return c


def _declared(model, doc: Document, attr: str) -> list[str]:
    """Ids of the items under `attr`, from the model or, if it failed, from the raw data."""
    if model is not None:
        return [x.id for x in getattr(model, attr)]
    raw = doc.data.get(attr) if isinstance(doc.data, dict) else None
    ids = [x.get("id") for x in raw if isinstance(x, dict)] if isinstance(raw, list) else []
    return [i for i in ids if isinstance(i, str)]


def _backlinks(c: Corpus) -> None:
    for source_id, source in c.sources.items():
        if source.actor:
            c.sources_by_actor[source.actor].append(source_id)
    for actor_id, actor in c.actors.items():
        for i, rel in enumerate(actor.relations):
            c.relations_in[rel.actor].append((actor_id, i))
            c.relations_toward[actor_id].setdefault(rel.actor, []).append(i)
    for claim_id, claim in c.claims.items():
        c.claims_by_source[claim.source].append(claim_id)
        for s in claim.via:
            c.relayed_by_source[s].append(claim_id)
        for a in claim.actors:
            c.claims_by_actor[a].append(claim_id)
        for other in claim.contradicts:
            _link(c.contradictions, claim_id, other)
        for other in claim.corroborates:
            _link(c.corroborations, claim_id, other)
    for analysis_id, analysis in c.analyses.items():
        for s in [analysis.analyst, *analysis.via]:
            if analysis_id not in c.analyses_by_source[s]:
                c.analyses_by_source[s].append(analysis_id)
        for a in analysis.actors:
            c.analyses_by_actor[a].append(analysis_id)
    for judgment_id, judgment in c.judgments.items():
        for b in judgment.basis:
            c.judgments_by_item[b].append(judgment_id)
        if judgment.hypothesis:
            c.judgments_by_hypothesis[judgment.hypothesis].append(judgment_id)


def _link(table: dict[str, list[str]], a: str, b: str) -> None:
    if b not in table[a]:
        table[a].append(b)
    if a not in table[b]:
        table[b].append(a)


def build_corpus(docs: list[Document], policy: Policy, load_problems: list[Problem] = ()) -> Corpus:
    """The published corpus; raises ContentError with every problem found."""
    builder = _Builder(docs, policy)
    builder.problems.extend(load_problems)
    builder.collect()
    builder.check_references()
    builder.check_reviews()
    if builder.problems:
        raise ContentError(builder.problems)
    return builder.corpus()
