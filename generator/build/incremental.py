"""What an edit can change: the inputs of every generated file, fingerprinted.

Every corpus file (an actor, a source, a question, a brief) gets a key such as
``brief:idleb-isis-hts``; its digest is the hash of its bytes (`load`). The
published corpus links files to each other: a brief *refers to* the sources,
actors and questions its items name and to the briefs whose claims it
contradicts, corroborates or bases a judgment on; an actor to the actors of
its relations and their sources; a source to the actor it speaks for.

A page's *inputs* are the files whose content it can show. They are declared
where pages are listed (`output.pages`), from these rules:

- an entity page (brief, actor, source, question) draws on its own file, the
  files it refers to, the files that refer to it, and the actors, sources and
  questions those refer to; an actor page also on the actors related to its
  neighbours, whose number decides which neighbours its graph shows. Of the
  other briefs among them, a question page draws on the whole files; the
  pages of a brief, an actor and a source show them only by references to
  their claims and analyses (an item's own fields, its source's name and
  grade, a link to it), so they draw on those *items* and their sources
  instead (``item:<claim-id>``: a digest of the item and of the brief it is
  in, `item_tokens`): a brief page on the claims of others that contradict or
  corroborate its own and the basis of its judgments, an actor or source page
  on the items it lists or maps;
- a timeline year or month, an Admiralty code or grade and a page of the
  contradictions draw on the items they list and their sources;
- a page that only counts or orders a brief's items, without showing their
  words, draws on the brief's *shape* (``shape:<brief-id>``): the ids, sources,
  dates, grades, ratings and links of its items, not their text (`shape_of`),
  and on what the brief refers to. The indexes (actors, sources, reliability,
  hypotheses, timeline, home counts) draw on every brief's shape, the list of
  briefs on every brief's shape and title (``title:<brief-id>``); the pages of
  a paginated listing (an Admiralty code, a long year, the contradictions,
  an actor's claims after its page's) on the items they show and the shapes
  of all the others, whose number and order decide the pager. So an edit to
  a claim's statement renders the pages that show it, not every page of its
  brief's sources and actors, nor every page of its listing;
- every other page and data export (the network graph, STIX, JSON, CSV)
  draws on everything (`EVERYTHING`).

A file's *fingerprint* hashes its inputs (the XOR of a 128-bit hash of each
input's key and digest, and their number) with a *salt*: the
generator's own code, the templates (the project's and briefgen's), site_config
and the hand-written pages, mkdocs.yml (the project's or briefgen's), the settings,
the publishing policy and the highest TLP on the site (every page is marked
with it). `render` writes a file again only when its fingerprint changed or
the file on disk is not the one it wrote (`file_stamp`: its size, mtime, ctime
or inode differ); the fingerprints are kept beside the docs folder
(`manifest_path`). Whether a corpus file changed is told from its bytes
(`load.file_digest`), never from its size or mtime. A page that
stops drawing on a file (a brief withheld, a claim moved to another year)
loses that key, so its fingerprint changes too. tests/test_incremental.py
compares an incremental build after each kind of edit with a fresh one, byte
for byte.
"""

from __future__ import annotations

import functools
import hashlib
import json
import operator
import os
from collections import defaultdict
from pathlib import Path
from typing import Iterable

from generator.build.files import file_stamp, write_atomic
from generator.build.sealed import code_key, read_sealed, seal
from generator.config import packaged
from generator.format import vocab
from generator.stages.corpus import Corpus

EVERYTHING = None  # inputs of a file that shows the whole corpus
FORMAT = 3


def key(namespace: str, item_id: str) -> str:
    return f"{namespace}:{item_id}"


def _token(k: str, digest: str) -> int:
    """A file as a 128-bit number: a set of files is the XOR of its members' tokens."""
    return _number(f"{k}={digest}".encode())


def _number(data: bytes) -> int:
    """A 128-bit hash of `data`, as a number (a token)."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=16).digest(), "big")


def brief_digests(corpus: Corpus) -> dict[str, str]:
    """Each brief's key and digest: its file's, with its history's (`stages.history`), which shows
    wherever its words do, so an edit and a commit count alike."""
    history = corpus.history
    return {key("brief", b): doc.digest + (history.digest(b) if history is not None else "")
            for (ns, b), (doc, _) in corpus.origins.items() if ns == "brief"}


def item_tokens(brief_id: str, brief) -> dict[str, int]:
    """Each claim's and analysis' key and token (`_token`), made from its fields and the brief it is
    in (its link goes there); and the brief's title's (``title:<brief-id>``), which the list of briefs
    shows beside their shapes. Hashed once: an item's digest is its token."""
    out = {}
    for x in (*brief.claims, *brief.analyses):
        k = key("item", x.id)
        out[k] = _number(f"{k}\0{brief_id}\0".encode() + x.model_dump_json().encode())
    k = key("title", brief_id)
    out[k] = _number(f"{k}\0{brief.title}".encode())
    return out


def shape_of(brief) -> str:
    """A digest of what listings read of a brief without showing its words: its dates, marking and
    status, and each item's id, origin, relays, dates, credibility, actors, ratings and links.

    Counts (claims by actor, by source, by Admiralty code, by year), the order of
    listings and their pagers, and ACH scores depend on these alone; a statement,
    title, summary, quote or URL is not in it.
    """
    parts = (
        brief.published, brief.updated, brief.status, brief.tlp,
        [(c.id, c.source, c.via, c.reported, c.occurred, c.credibility, c.actors, c.assessments, c.contradicts, c.corroborates)
         for c in brief.claims],
        [(a.id, a.analyst, a.via, a.date, a.credibility, a.actors, a.assessments) for a in brief.analyses],
        [(j.id, j.basis, j.hypothesis) for j in brief.judgments],
    )
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


class Inputs:
    """The corpus files and how they refer to each other, for declaring what a page draws on."""

    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        self.digest = {key(ns, i): doc.digest for (ns, i), (doc, _) in corpus.origins.items() if ns in vocab.KINDS}
        self.digest.update(brief_digests(corpus))
        # a brief's shape stands beside its file: a key of its own, with a digest of its own
        shapes = {key("shape", b): shape_of(brief) for b, brief in corpus.briefs.items()}
        # the items' tokens, beside their briefs': what a page showing them by their references draws on;
        # and each item's key with its source's, which its reference shows
        self.items: dict[str, int] = {}
        self._item_keys: dict[str, tuple[str, str]] = {}
        for b, brief in corpus.briefs.items():
            self.items.update(item_tokens(b, brief))
            self._item_keys.update((c.id, (key("item", c.id), key("source", c.source))) for c in brief.claims)
            self._item_keys.update((a.id, (key("item", a.id), key("source", a.analyst))) for a in brief.analyses)
        self._entities: dict[str, frozenset[str]] = {}
        self.refs: dict[str, set[str]] = defaultdict(set)
        self.referrers: dict[str, set[str]] = defaultdict(set)
        c = corpus
        for actor_id, actor in c.actors.items():
            for rel in actor.relations:
                self._refer(key("actor", actor_id), key("actor", rel.actor))
                if rel.source:
                    self._refer(key("actor", actor_id), key("source", rel.source))
        for source_id, source in c.sources.items():
            if source.actor:
                self._refer(key("source", source_id), key("actor", source.actor))
        for brief_id, brief in c.briefs.items():
            # a brief refers to the same files over and over: collect them, then record each once
            sources, actors, questions, briefs = set(), set(), set(), set()
            for item, origin in [*((x, x.source) for x in brief.claims), *((x, x.analyst) for x in brief.analyses)]:
                sources.add(origin)
                sources.update(item.via)
                actors.update(item.actors)
                questions.update(c.question_of[h] for h in item.assessments)
            for claim in brief.claims:
                briefs.update(c.brief_of[other] for other in (*claim.contradicts, *claim.corroborates))
            for j in brief.judgments:
                briefs.update(c.brief_of[b] for b in j.basis)
                if j.hypothesis:
                    questions.add(c.question_of[j.hypothesis])
            me = key("brief", brief_id)
            for namespace, ids in (("source", sources), ("actor", actors), ("question", questions), ("brief", briefs)):
                for i in ids:
                    self._refer(me, key(namespace, i))

        self.entity_refs = {k: frozenset(r for r in v if not r.startswith("brief:")) for k, v in self.refs.items()}
        # each file as a 128-bit token of its key and digest; a set of files is the XOR of its tokens
        # (no sorting: a page can draw on thousands of files), with the set's size
        self.token = {k: _token(k, d) for table in (self.digest, shapes) for k, d in table.items()}
        self.token.update(self.items)
        self.everything = self._everything()

    def _everything(self) -> str:
        h = hashlib.blake2b(digest_size=16)
        for k in sorted(self.digest):
            h.update(f"{k}={self.digest[k]}\0".encode())
        return h.hexdigest()

    def edited(self, digests: dict[str, str], items: dict[str, int] | None = None) -> None:
        """Files whose bytes changed but whose links and shapes did not (`snapshot`): new digests
        for these keys, and for the `items` of theirs that changed; how files refer to each other, and
        every page's inputs, stay. The exports' keys kept are worked out again for the briefs and
        questions whose inputs hold an edited brief."""
        for k, t in (items or {}).items():
            self.items[k] = self.token[k] = t
        for k, d in digests.items():
            self.digest[k] = d
            self.token[k] = _token(k, d)
        self.everything = self._everything()
        if any(not k.startswith("brief:") for k in digests):  # an actor, a source or a question: every key afresh
            for name in ("brief_keys", "question_keys", "entities_key"):
                self.__dict__.pop(name, None)
            return
        salt_ = code_key()
        if "brief_keys" in self.__dict__:  # a brief's key holds its own file and those it refers to
            for b in _ids({r for k in digests for r in (k, *self.referrers.get(k, ()))}, "brief"):
                self.brief_keys[b] = self._brief_key(salt_, b)
        if "question_keys" in self.__dict__:  # a question's holds the briefs that refer to it
            for q in _ids({r for k in digests for r in self.refs.get(k, ())}, "question"):
                self.question_keys[q] = self._question_key(salt_, q)

    def __getstate__(self) -> dict:
        """Pickled (in a build snapshot) without the entity pages' inputs (`settle`)."""
        return {**self.__dict__, "_entities": self._kept_entities()}

    def settle(self) -> None:
        """Let go of the entity pages' inputs, worked out on demand, but for the questions', which every
        build asks for (their CSV and STIX objects): a resumed build declares no page's inputs."""
        self._entities = self._kept_entities()

    def _kept_entities(self) -> dict[str, frozenset[str]]:
        return {k: v for k, v in self._entities.items() if k.startswith("question:")}

    def _refer(self, a: str, b: str) -> None:
        if a != b:
            self.refs[a].add(b)
            self.referrers[b].add(a)

    def _near(self, k: str) -> set[str]:
        return {k} | self.refs.get(k, set()) | self.referrers.get(k, set())

    def _with_refs(self, keys: Iterable[str]) -> frozenset[str]:
        """The files, and the actors, sources and questions they refer to.

        Not the briefs they refer to: a page that shows an item of brief A never
        shows what a brief referred to by A says (only A's sources and grades).
        """
        keys = set(keys)
        return frozenset(keys | self._entity_refs_of(keys))

    def _entity_refs_of(self, keys: Iterable[str]) -> set[str]:
        """The actors, sources and questions these files refer to."""
        out: set[str] = set()
        empty = frozenset()
        for k in keys:
            out |= self.entity_refs.get(k, empty)
        return out

    def fingerprint(self, salt_: str, path: str, inputs: frozenset[str] | str | None) -> str:
        """What a generated file is made from: briefgen and its settings (`salt`), its path, its inputs
        (or a key of what it shows, worked out by the export that makes it)."""
        if isinstance(inputs, str):
            return hashlib.blake2b(f"{salt_}\0{path}\0={inputs}".encode(), digest_size=16).hexdigest()
        return self.fingerprint_of(salt_, path, self.tally(inputs))

    def tally(self, inputs: frozenset[str] | None) -> tuple[int, int] | None:
        """A set of files as its size and the XOR of its tokens (None for EVERYTHING)."""
        if inputs is EVERYTHING:
            return None
        return len(inputs), functools.reduce(operator.xor, map(self.token.__getitem__, inputs), 0)

    def fingerprint_of(self, salt_: str, path: str, tally: tuple[int, int] | None) -> str:
        """`fingerprint`, from the tally of the inputs."""
        shown = "*" + self.everything if tally is None else f"{tally[0]}:{tally[1]:032x}"
        return hashlib.blake2b(f"{salt_}\0{path}\0{shown}".encode(), digest_size=16).hexdigest()

    @functools.cached_property
    def brief_keys(self) -> dict[str, str]:
        """Brief id -> a key of everything its exported objects show: the brief and every file it refers to
        (STIX and corpus.json reuse a brief's lines while its key stays)."""
        salt_ = code_key()
        return {b: self._brief_key(salt_, b) for b in self.corpus.briefs}

    def _brief_key(self, salt_: str, brief_id: str) -> str:
        return self.fingerprint(salt_, "export", frozenset({f"brief:{brief_id}", *self.refs.get(f"brief:{brief_id}", ())}))

    @functools.cached_property
    def entities_key(self) -> str:
        """A key of every actor and source file: what the exported objects of actors and sources show."""
        return self.fingerprint(code_key(), "export", self.of("actor") | self.of("source"))

    @functools.cached_property
    def question_keys(self) -> dict[str, str]:
        """Question id -> a key of what its exported objects show (its ACH matrix): what its page draws on."""
        salt_ = code_key()
        return {q: self._question_key(salt_, q) for q in self.corpus.questions}

    def _question_key(self, salt_: str, question_id: str) -> str:
        return self.fingerprint(salt_, "export", self.entity("question", question_id))

    def of(self, namespace: str) -> frozenset[str]:
        """Every file of one kind (e.g. all actors)."""
        return frozenset(k for k in self.digest if k.startswith(namespace + ":"))


    def entity(self, namespace: str, item_id: str) -> frozenset[str]:
        """An entity page: the file, what it refers to and is referred to by, and what those refer to."""
        k = key(namespace, item_id)
        found = self._entities.get(k)
        if found is None:  # a question's is asked for its page, its CSV and its STIX objects
            found = self._entities[k] = self._with_refs(self._near(k))
        return found

    def file(self, namespace: str, item_id: str) -> frozenset[str]:
        """One corpus file alone."""
        return frozenset({key(namespace, item_id)})

    def actor(self, actor_id: str, item_ids: Iterable[str]) -> frozenset[str]:
        """An actor's page: a `listing` of the items concerning it, with the actors related to its
        neighbours, whose number decides which neighbours its graph shows."""
        related = {r for k in self._near(key("actor", actor_id)) if k.startswith("actor:")
                   for r in self.referrers.get(k, ()) if r.startswith("actor:")}
        return self.listing("actor", actor_id, item_ids) | self._with_refs(related)

    def briefs(self, brief_ids: Iterable[str]) -> frozenset[str]:
        """A page listing items of these briefs."""
        return self._with_refs(key("brief", b) for b in brief_ids)

    def items_of(self, item_ids: Iterable[str]) -> frozenset[str]:
        """A page showing these claims and analyses by their references (`claim_ref`, `analysis_ref`):
        each item, and its source, whose name and grade show; not the rest of its brief."""
        return frozenset(k for i in item_ids for k in self._item_keys[i])

    def listing(self, namespace: str, item_id: str, item_ids: Iterable[str]) -> frozenset[str]:
        """An entity page that shows the other briefs near it only by references to their items
        (`item_ids`): its `entity` inputs, with these items in place of those briefs' files. A brief's
        page shows of others the claims contradicting or corroborating its own and its judgments' basis."""
        own = key(namespace, item_id)
        near = {k for k in self._near(own) if k == own or not k.startswith("brief:")}
        return self._with_refs(near) | self.items_of(item_ids)

    @property
    def worded(self) -> frozenset[str]:
        """The keys an edit of words alone can change (`edited`): the briefs' and their items'."""
        return self.of("brief") | frozenset(self.items)

    def shapes(self, brief_ids: Iterable[str]) -> frozenset[str]:
        """A listing that counts or orders items of these briefs: each brief's shape and the
        actors, sources and questions it refers to (a source's grade places its claims)."""
        brief_ids = set(brief_ids)
        return frozenset({key("shape", b) for b in brief_ids} | self._entity_refs_of(key("brief", b) for b in brief_ids))

    def shapes_of(self, item_ids: Iterable[str]) -> frozenset[str]:
        return self.shapes({self.corpus.brief_of[i] for i in item_ids})

    @functools.cached_property
    def all_shapes(self) -> frozenset[str]:
        """An index over the whole corpus that shows entities and counts, not the briefs' words:
        every brief's shape, every actor, source and question."""
        return frozenset(k for k in self.token if not k.startswith("brief:") and k not in self.items)

    @functools.cached_property
    def all_titles(self) -> frozenset[str]:
        """The list of briefs: every brief's shape and title, and every actor, source and question."""
        return self.all_shapes | frozenset(k for k in self.items if k.startswith("title:"))


def _ids(keys: Iterable[str], namespace: str) -> list[str]:
    """The ids of the keys of one namespace (`key`) among `keys`."""
    prefix = namespace + ":"
    return [k[len(prefix):] for k in keys if k.startswith(prefix)]


def salt(project, settings, policy, highest_tlp: str) -> str:
    """What every generated file depends on besides the corpus: code, templates, configuration."""
    import jinja2
    import markdown

    h = hashlib.blake2b(digest_size=16)
    h.update(json.dumps([FORMAT, code_key(), jinja2.__version__, markdown.__version__, repr(settings), repr(policy), highest_tlp]).encode())
    # the templates and pages found first, the project's and briefgen's own (`Project.template_dirs`)
    folders = [("templates", d) for d in project.template_dirs] + [("site_config", project.site_config)]
    folders += [("pages", d) for d in project.page_dirs]
    for role, folder in folders:
        hash_folder(h, project, role, folder)
    h.update(f"mkdocs {shown_path(project, project.mkdocs_yml)}\0".encode() + project.mkdocs_yml.read_bytes())
    return h.hexdigest()


def hash_folder(h, project, role: str, folder: Path) -> None:
    """Add to the hash `h` a folder of files a build reads whole (templates, pages, theme overrides): its
    place, then each file's path in it and bytes; nothing if it is not there."""
    if not folder.is_dir():
        return
    h.update(f"{role} {shown_path(project, folder)}\0".encode())  # a project moved keeps its key
    for f in sorted(folder.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(f.relative_to(folder).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")


def shown_path(project, path: Path) -> str:
    """`path` named relative to the project (the same project reached by another path is the same),
    or to briefgen's own files."""
    for root, prefix in ((project.root, ""), (packaged(), "<briefgen>/")):
        try:
            return prefix + path.relative_to(root).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def manifest_path(cache: Path, docs: Path) -> Path:
    """Kept in the build cache (`Project.cache`), beside the docs folder, so mkdocs never publishes it."""
    return cache / f"{docs.name}.fingerprints.json"


class Manifest:
    """Fingerprint and stamp (`file_stamp`) of every file the last render wrote; sealed (see `sealed`)."""

    def __init__(self, cache: Path, docs: Path):
        self.docs = docs
        self._folder = str(docs)  # joined as a string: `fresh` stats every page of a large site
        self.path = manifest_path(cache, docs)
        try:
            data = json.loads(read_sealed(self.path) or b"{}")
            self.files: dict[str, list] = data["files"] if data.get("format") == FORMAT else {}
        except (ValueError, KeyError):
            self.files = {}

    def fresh(self, rel: str, fp: str) -> bool:
        """The file on disk is the one written for this fingerprint."""
        entry = self.files.get(rel)
        if not entry or entry[0] != fp:
            return False
        try:
            st = os.stat(os.path.join(self._folder, rel))
        except OSError:
            return False
        return file_stamp(st) == entry[1:]

    def record(self, rel: str, fp: str) -> None:
        self.files[rel] = [fp, *file_stamp(os.stat(self.docs / rel))]

    def save(self, current: set[str]) -> None:
        self.files = {k: v for k, v in self.files.items() if k in current}
        write_atomic(self.path, seal(json.dumps({"format": FORMAT, "files": self.files}, sort_keys=True).encode()))
