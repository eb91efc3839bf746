"""Stage 5: what changed in each published brief, version by version, read from git.

A brief's versions are the commits that changed its file, in the order of their
commit dates, and the file as it is now when it differs from its last commit
("not committed yet"). Each version is compared with the one before it that
this build may show: key judgments added, withdrawn, or moved (likelihood or
confidence raised or lowered, with the `change_note` that explains it), claims
and analyses added and withdrawn, the TLP or status changed.

Safe publishing holds as it does for the corpus: only published briefs get a
history; a version during which the brief was above the build's TLP, or a
draft in a build without drafts, is skipped as if it had never been; an item
that is not published now (withdrawn since) is only counted, never named, and
no old wording of any item is kept, only ratings and notes.

History is read from git's objects (`git log`, `git cat-file`), never from
the work tree, and costs reading each version's file once: what a version
holds is kept in `memo` by the id of its blob, and the log by the commit it
was read up to. Without git, outside a repository or in a shallow clone,
`History.unavailable` says why and nothing else changes.
"""

from __future__ import annotations

import datetime
import hashlib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, MutableMapping

from generator.format import vocab
from generator.format.models import Brief
from generator.stages.corpus import Corpus, Policy
from generator.stages.load import digest_of, plain_data

RAISED, LOWERED, HELD, NEW = "raised", "lowered", "held", "new"
# what `State.of_data` reads of a version: nothing else of it is made into Python values
OUTLINE = {"tlp": None, "status": None, "judgments": frozenset({"id", "likelihood", "confidence", "change_note"}),
           "claims": frozenset({"id"}), "analyses": frozenset({"id"})}
BLOBS_PER_JOB = 500  # versions read by one `git cat-file` and parsed by one job of `map`


@dataclass(frozen=True)
class State:
    """What history compares of one version of a brief file."""

    tlp: str
    status: str
    judgments: tuple[tuple[str, str, str, str | None], ...]  # (id, likelihood, confidence, change_note)
    claims: tuple[str, ...]
    analyses: tuple[str, ...]

    @classmethod
    def of_brief(cls, brief: Brief) -> State:
        return cls(brief.tlp, brief.status, tuple((j.id, j.likelihood, j.confidence, j.change_note) for j in brief.judgments),
                   tuple(c.id for c in brief.claims), tuple(a.id for a in brief.analyses))

    @classmethod
    def of_data(cls, data: Any) -> State | None:
        """An old version as written then; None if it would not have been a brief this build can place."""
        if not isinstance(data, dict):
            return None
        tlp, status = data.get("tlp"), data.get("status", "published")
        if not isinstance(tlp, str) or tlp not in vocab.TLP or not isinstance(status, str) or status not in vocab.STATUS:
            return None
        judgments = []
        for j in _items(data, "judgments"):
            likelihood, confidence, note = j.get("likelihood"), j.get("confidence"), j.get("change_note")
            if isinstance(likelihood, str) and likelihood in vocab.LIKELIHOOD and isinstance(confidence, str) and confidence in vocab.CONFIDENCE:
                judgments.append((j["id"], likelihood, confidence, note if isinstance(note, str) else None))
        return cls(tlp, status, tuple(judgments), tuple(c["id"] for c in _items(data, "claims")),
                   tuple(a["id"] for a in _items(data, "analyses")))


def _items(data: dict, key: str) -> list[dict]:
    items = data.get(key)
    return [x for x in items if isinstance(x, dict) and isinstance(x.get("id"), str)] if isinstance(items, list) else []


def moves(change: Any) -> str:
    """What moved in a `Moved` or a `Trend`, in readers' words: "unlikely → very unlikely, low
    confidence → moderate confidence"; empty when neither rating did."""
    said = [f"{vocab.LIKELIHOOD[a].label} → {vocab.LIKELIHOOD[b].label}" for a, b in filter(None, [change.likelihood])]
    said += [f"{vocab.CONFIDENCE[a].label} → {vocab.CONFIDENCE[b].label}" for a, b in filter(None, [change.confidence])]
    return ", ".join(said)


@dataclass(frozen=True)
class Moved:
    """A judgment published now that moved in a version, or whose note was written for it."""

    id: str
    likelihood: tuple[str, str] | None  # (before, after), when it changed
    confidence: tuple[str, str] | None
    note: str | None  # the change_note of this version, when it is new in it


@dataclass(frozen=True)
class Version:
    date: str | None  # the commit's date (UTC, YYYY-MM-DD); None: not committed yet
    commit: str | None
    first: bool  # the first version this build shows: nothing to compare it with
    judgments: int  # how many it holds
    claims: int
    analyses: int
    added: tuple[str, ...] = ()  # judgments published now, new in this version
    moved: tuple[Moved, ...] = ()
    judgments_added: int = 0  # judgments new in this version and not published now
    judgments_withdrawn: int = 0
    claims_added: int = 0
    claims_withdrawn: int = 0
    analyses_added: int = 0
    analyses_withdrawn: int = 0
    tlp: tuple[str, str] | None = None  # (before, after)
    status: tuple[str, str] | None = None

    def counts(self) -> list[tuple[int, str, str]]:
        """What is only counted of this version, as (number, noun, what happened), the zeros left out."""
        rows = ((self.judgments_added, "judgment", "added (since withdrawn)"), (self.judgments_withdrawn, "judgment", "withdrawn"),
                (self.claims_added, "claim", "added"), (self.claims_withdrawn, "claim", "withdrawn"),
                (self.analyses_added, "analysis", "added"), (self.analyses_withdrawn, "analysis", "withdrawn"))
        return [row for row in rows if row[0]]

    @property
    def changed(self) -> bool:
        """Whether anything history tracks changed (otherwise only wording did)."""
        return bool(self.added or self.moved or self.judgments_added or self.judgments_withdrawn or self.claims_added
                    or self.claims_withdrawn or self.analyses_added or self.analyses_withdrawn or self.tlp or self.status)


@dataclass(frozen=True)
class Step:
    """One value of a judgment's trail: from `date` on, it read so."""

    date: str | None
    likelihood: str
    confidence: str
    change_note: str | None


@dataclass(frozen=True)
class Trend:
    """A judgment now against the version before the current one."""

    direction: str  # RAISED, LOWERED, HELD or NEW
    since: str | None  # that version's date
    likelihood: tuple[str, str] | None  # (before, now), when it changed
    confidence: tuple[str, str] | None


@dataclass(frozen=True)
class BriefHistory:
    versions: tuple[Version, ...]  # newest first; the first of them is the current version
    trends: dict[str, Trend]  # judgment id -> its trend (none when the brief has one version)
    trails: dict[str, tuple[Step, ...]]  # judgment id -> each value it took, oldest first, the current last


@dataclass
class History:
    """The history of every published brief, or why there is none."""

    briefs: Mapping[str, BriefHistory] = field(default_factory=dict)
    unavailable: str | None = None
    keys: dict[str, str] = field(default_factory=dict)  # brief id -> the digest of what its history is made of

    def digest(self, brief_id: str) -> str:
        """What a page showing the brief shows of its history, as a digest: of what it is made of
        (its file's commits and blobs, the file as it is when not committed, the policy, the
        judgments published now), which is quicker to digest than what is made of it."""
        return self.keys.get(brief_id, "")


Mapper = Callable[..., Iterator]  # as the builtin map: map(function, *iterables)


def read(root: Path, corpus: Corpus, memo: MutableMapping | None = None, map: Mapper = map) -> History:
    """The history of each brief of the published `corpus` whose file lies in the git repository
    holding `root`. `memo` (a table kept between builds) saves reading what was read before.
    `map` runs the jobs that read and parse versions not in `memo` (the builtin `map`, or one
    that runs them in worker processes: each job reads its own versions from git)."""
    memo = {} if memo is None else memo
    repo = _Repository.find(root)
    if isinstance(repo, str):
        return History(unavailable=repo)
    files = {b: doc for (ns, b), (doc, _) in corpus.origins.items() if ns == "brief"}
    folders: dict[Path, Path] = {}
    paths = {b: repo.path_of(doc.file, folders) for b, doc in files.items()}
    log = repo.log(memo)
    wanted = list(dict.fromkeys(blob for path in paths.values() for _, _, blob in log.get(path, ())))
    states = repo.states(wanted, memo, map)
    made: dict[str, tuple] = {}
    keys: dict[str, str] = {}
    policy = repr(corpus.policy)
    for b, path in paths.items():
        committed = log.get(path, [])
        now = None
        if not committed or states[committed[-1][2]][1] != files[b].digest:
            now = State.of_brief(corpus.briefs[b])
        published = [j.id for j in corpus.briefs[b].judgments]
        made[b] = (committed, now, published)
        keys[b] = hashlib.blake2b(repr((committed, "" if now is None else files[b].digest, policy, published)).encode(),
                                  digest_size=16).hexdigest()
    return History(_Briefs(made, states, corpus.policy), keys=keys)


class _Briefs(Mapping):
    """Each brief's history, worked out when first asked for: a build after an edit renders the
    pages of a few briefs, and shows no other brief's history."""

    def __init__(self, made: dict[str, tuple], states: dict[str, tuple[State | None, str]], policy: Policy):
        self._made, self._states, self._policy = made, states, policy  # made: brief -> (commits, state now, judgments)
        self._done: dict[str, BriefHistory] = {}

    def __getitem__(self, brief_id: str) -> BriefHistory:
        found = self._done.get(brief_id)
        if found is None:
            committed, now, published = self._made[brief_id]
            versions: list[tuple[str | None, str | None, State]] = []
            for ct, commit, blob in committed:
                state = self._states[blob][0]
                if state is not None:
                    versions.append((_day(ct), commit, state))
            if now is not None:
                versions.append((None, None, now))
            found = self._done[brief_id] = _history(versions, self._policy, set(published))
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._made)

    def __len__(self) -> int:
        return len(self._made)


def _day(ct: int) -> str:
    return datetime.datetime.fromtimestamp(ct, datetime.timezone.utc).date().isoformat()


def _history(all_versions: list[tuple[str | None, str | None, State]], policy: Policy, published: set[str]) -> BriefHistory:
    shown = [v for v in all_versions if policy.allows(v[2].tlp, v[2].status)]
    versions: list[Version] = []
    trails: dict[str, list[Step]] = {}
    before: State | None = None
    for date, commit, state in shown:
        versions.append(_compare(date, commit, before, state, published))
        for jid, likelihood, confidence, note in state.judgments:
            if jid not in published:
                continue
            step = Step(date, likelihood, confidence, note)
            trail = trails.setdefault(jid, [])
            if not trail or (trail[-1].likelihood, trail[-1].confidence, trail[-1].change_note) != (likelihood, confidence, note):
                trail.append(step)
        before = state
    current_date = shown[-1][0] if shown else None
    for jid, trail in trails.items():
        if trail[-1].date != current_date and any(j[0] == jid for j in shown[-1][2].judgments):
            last = trail[-1]
            trail.append(Step(current_date, last.likelihood, last.confidence, last.change_note))
    trends = _trends(shown[-2], shown[-1][2]) if len(shown) > 1 else {}
    return BriefHistory(tuple(reversed(versions)), trends, {j: tuple(t) for j, t in trails.items()})


def _compare(date: str | None, commit: str | None, before: State | None, now: State, published: set[str]) -> Version:
    sizes = dict(judgments=len(now.judgments), claims=len(now.claims), analyses=len(now.analyses))
    if before is None:
        return Version(date, commit, True, **sizes)
    old = {j[0]: j for j in before.judgments}
    added, moved, added_unnamed = [], [], 0
    for jid, likelihood, confidence, note in now.judgments:
        if jid not in old:
            if jid in published:
                added.append(jid)
            else:
                added_unnamed += 1
            continue
        _, was_likelihood, was_confidence, was_note = old[jid]
        change = Moved(jid, (was_likelihood, likelihood) if was_likelihood != likelihood else None,
                       (was_confidence, confidence) if was_confidence != confidence else None,
                       note if note and note != was_note else None)
        if jid in published and (change.likelihood or change.confidence or change.note):
            moved.append(change)
    now_ids = {j[0] for j in now.judgments}
    return Version(
        date, commit, False, **sizes, added=tuple(added), moved=tuple(moved), judgments_added=added_unnamed,
        judgments_withdrawn=sum(1 for j in old if j not in now_ids),
        claims_added=len(set(now.claims) - set(before.claims)), claims_withdrawn=len(set(before.claims) - set(now.claims)),
        analyses_added=len(set(now.analyses) - set(before.analyses)),
        analyses_withdrawn=len(set(before.analyses) - set(now.analyses)),
        tlp=(before.tlp, now.tlp) if before.tlp != now.tlp else None,
        status=(before.status, now.status) if before.status != now.status else None,
    )


def _trends(previous: tuple[str | None, str | None, State], now: State) -> dict[str, Trend]:
    since, _, before = previous
    old = {j[0]: j for j in before.judgments}
    out = {}
    for jid, likelihood, confidence, _ in now.judgments:
        if jid not in old:
            out[jid] = Trend(NEW, since, None, None)
            continue
        _, was_likelihood, was_confidence, _ = old[jid]
        ranks = (vocab.LIKELIHOOD[was_likelihood].weight, vocab.LIKELIHOOD[likelihood].weight,
                 vocab.CONFIDENCE[was_confidence].weight, vocab.CONFIDENCE[confidence].weight)
        # the likelihood decides the direction; a judgment held at the same likelihood with more
        # (or less) confidence was raised (or lowered) all the same
        key = (ranks[1] > ranks[0]) - (ranks[1] < ranks[0]) or (ranks[3] > ranks[2]) - (ranks[3] < ranks[2])
        out[jid] = Trend({1: RAISED, -1: LOWERED, 0: HELD}[key], since,
                         (was_likelihood, likelihood) if was_likelihood != likelihood else None,
                         (was_confidence, confidence) if was_confidence != confidence else None)
    return out


class _Repository:
    """The git repository holding a project, read through git's own commands."""

    def __init__(self, top: Path):
        self.top = top

    @classmethod
    def find(cls, root: Path) -> _Repository | str:
        """The repository, or why history cannot be read."""
        try:
            out = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel", "--is-shallow-repository"],
                                 capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            return "git is not installed"
        if out.returncode != 0:
            return "the project is not in a git repository"
        top, shallow = (out.stdout.splitlines() + ["", ""])[:2]
        if shallow == "true":
            return "the repository is a shallow clone (git fetch --unshallow reads the whole history)"
        return cls(Path(top).resolve())

    def _git(self, *args: str, stdin: bytes | None = None) -> bytes:
        return subprocess.run(["git", "-C", str(self.top), "-c", "core.quotepath=off", *args], input=stdin,
                              capture_output=True, check=True).stdout

    def path_of(self, file: Path, folders: dict[Path, Path] | None = None) -> str:
        """The file's path in the repository ("" outside it). With `folders` (kept by the caller),
        each folder is resolved once: only a file that is a link is resolved on its own."""
        if folders is None or file.is_symlink():
            resolved = file.resolve()
        else:
            parent = folders.get(file.parent)
            if parent is None:
                parent = folders[file.parent] = file.parent.resolve()
            resolved = parent / file.name
        try:
            return resolved.relative_to(self.top).as_posix()
        except ValueError:
            return ""  # outside the repository: no history

    def head(self) -> str | None:
        try:
            return self._git("rev-parse", "--verify", "-q", "HEAD").decode().strip() or None
        except subprocess.CalledProcessError:
            return None  # no commit yet

    def log(self, memo: MutableMapping) -> dict[str, list[tuple[int, str, str]]]:
        """Every version of every file: path -> [(commit time, commit, blob)] in commit-time order.
        Read again only from the commit the last build read up to, when it is an ancestor of HEAD."""
        head = self.head()
        if head is None:
            return {}
        kept = memo.get(("log", str(self.top)))
        if kept is not None and kept[0] == head:
            return kept[1]
        since = kept[0] if kept is not None and self._is_ancestor(kept[0], head) else None
        paths: dict[str, list[tuple[int, str, str]]] = {p: list(v) for p, v in kept[1].items()} if since else {}
        raw = self._git("log", "-z", "--format=%x01%H %ct", "--raw", "--no-renames", "--no-abbrev",
                        f"{since}..{head}" if since else head)
        for chunk in raw.split(b"\x01")[1:]:
            fields = chunk.split(b"\0")
            commit, ct = fields[0].decode().split()
            for meta, path in zip(fields[1::2], fields[2::2]):
                blob = meta.split()[3].decode() if meta.strip() else ""
                if blob.strip("0"):  # a deleted file's "new" blob is all zeros
                    paths.setdefault(path.decode("utf-8", "surrogateescape"), []).append((int(ct), commit, blob))
        for versions in paths.values():
            versions.sort()
        memo[("log", str(self.top))] = (head, paths)
        return paths

    def _is_ancestor(self, commit: str, head: str) -> bool:
        try:
            self._git("merge-base", "--is-ancestor", commit, head)
            return True
        except subprocess.CalledProcessError:
            return False

    def states(self, blobs: list[str], memo: MutableMapping, map: Mapper = map) -> dict[str, tuple[State | None, str]]:
        """What each blob holds, and the digest of its bytes (`load.digest_of`), read once ever.
        Those not in `memo` are read in jobs of `map`, a file's versions side by side in them (git
        stores them as deltas of one another)."""
        out = {}
        missing = []
        for blob in blobs:
            found = memo.get(("blob", blob))
            if found is None:
                missing.append(blob)
            else:
                out[blob] = found
        jobs = [missing[i:i + BLOBS_PER_JOB] for i in range(0, len(missing), BLOBS_PER_JOB)]
        for job, states in zip(jobs, map(read_blobs, [str(self.top)] * len(jobs), jobs)):
            for blob, state in zip(job, states):
                out[blob] = memo[("blob", blob)] = state
        return out


def read_blobs(top: str, blobs: list[str]) -> list[tuple[State | None, str]]:
    """What each blob of the repository at `top` holds, and the digest of its bytes (a job of
    `_Repository.states`, which may run in a worker process)."""
    raw = subprocess.run(["git", "-C", top, "cat-file", "--batch"], input="".join(f"{b}\n" for b in blobs).encode(),
                         capture_output=True, check=True).stdout
    out = []
    at = 0
    for _ in blobs:
        end = raw.index(b"\n", at)
        size = int(raw[at:end].split()[2])
        content = raw[end + 1:end + 1 + size]
        at = end + 1 + size + 1
        out.append((State.of_data(plain_data(content, OUTLINE)), digest_of(content)))
    return out
