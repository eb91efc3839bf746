"""After a build: prove that nothing withheld reached the output.

The check reads the corpus files itself, never the model cache or the build
snapshot (a damaged or stale pack could make them say that an item is
clear); what it parses of a file may be kept between builds only by the
digest of the file's bytes, read again every time (`_facts`). It withholds
what `corpus.build_corpus` withholds: every file whose TLP is above the
build's `max_tlp`, every draft brief unless drafts are on, and a file whose
TLP cannot be read. Nothing else is withheld (an item only
withheld items point at is still published; a published item pointing at a
withheld one is an error). Every string in a withheld file, at any depth, is
looked for:

- its page address (`briefs/<id>/`), and its ids (the file's and those of
  its items) of `MIN_ID_LENGTH` characters or more;
- the names of people and groups (an actor's or a source's name, native
  name and aliases, a brief's authors) of `MIN_NAME_LENGTH` letters or more, as words;
- a value without spaces that is no single word (a web address, in a text
  too) of `MIN_ID_LENGTH` characters or more, as a whole; one shaped like an
  id is a reference (`source: daily-news`) and, as a vocabulary term
  (`tlp: amber+strict`), not looked for;
- in any other text, every run of `WORDS` words of `MIN_WORD` letters or more
  (with the shorter words between them), so that a fragment that long is
  found wherever it starts; a text with fewer, but at least `MIN_PHRASE`,
  as a whole.

What the names of published people and groups say is no leak: a restricted
brief names published actors, and its authors write public briefs too.

Both sides are compared as normalised words (`words`): on the output side
JSON string escapes, HTML tags, HTML entities and percent-encoding undone
(`decode`); then Unicode NFKC, case-folded, Markdown emphasis marks and
invisible characters dropped, any other run of non-letters one space.
Every file of the built site is read, in chunks, with one Aho-Corasick pass:
gzip-compressed ones (Pagefind's fragments, the sitemap) uncompressed,
Pagefind's CBOR files as their strings, but for its word index, whose words
are those of the fragments. One hit fails the build.
"""

from __future__ import annotations

import filecmp
import functools
import gzip
import hashlib
import html
import os
import re
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, MutableMapping

import ahocorasick

from generator.config import Project
from generator.errors import Problem, field_path
from generator.format import vocab
from generator.stages import load
from generator.stages.corpus import Policy

WORDS = 6  # fewer, and common phrasing matches by chance (a "Bottom line up front" heading and two common words)
MIN_WORD = 4  # shorter words ("the", "of", "was") say nothing by themselves
MIN_PHRASE = 3  # two words are a place ("outskirts of Harim") or a name any brief may use
MIN_NAME_LENGTH = 5  # shorter names are acronyms and ordinary words ("HTS", "ISIS", "Alfa")
MIN_ID_LENGTH = 12  # shorter ids ("isis") are ordinary words; their texts are checked instead
CHUNK = 8 << 20  # bytes of a file normalised at a time: the STIX bundle is hundreds of megabytes
LARGE = 1 << 20  # a changed file this large is read as the lines that changed (`_new_lines`); a smaller one whole

_NAMES = {"actor": ("name", "native_name", "aliases"), "source": ("name", "native_name", "aliases"), "brief": ("authors",)}  # names of people and groups
_VOCABULARY = {code for table in vocab.vocabularies().values() for code in table}
_URL = re.compile(r"https?://[^\s<>()\[\]]+")

# --- normalising ----------------------------------------------------------------
# Bytes of UTF-8 throughout: the ASCII of a site (nearly all of it) is then
# lowered and split by `bytes.translate`, and only runs of other characters
# go through Unicode's folding one by one.

_JSON_ESCAPE = re.compile(rb"\\(?:u([0-9a-fA-F]{4})|(.))", re.S)
_JSON_SIMPLE = {b"n": b"\n", b"t": b"\t", b"r": b"\r", b"b": b" ", b"f": b" "}
# inline elements written without attributes (emphasis, code) join the text around them ("restr<strong>icted");
# any other tag's name separates words, and its attribute values are read (a link's address)
_INLINE_TAG = re.compile(rb"</?(?:a|abbr|b|bdi|cite|code|del|dfn|em|i|ins|kbd|mark|q|s|samp|small|span|strong|sub|sup|u|var|wbr)\s*/?>")
_TAG_NAME = re.compile(rb"</?[a-zA-Z][\w:-]*")
_ENTITY = re.compile(rb"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?")
_PERCENT = re.compile(rb"%[0-9a-fA-F]{2}(?:%[0-9a-fA-F]{2})*")
_ASCII_BYTES = bytes(range(128))
_SPACES = re.compile(rb"  +")
# ASCII letters and digits stay (lowered), a slash stays, everything else separates words
_ASCII = bytes(c if chr(c).isalnum() or c >= 0x80 or c == 0x2F else 0x20 for c in range(256)).lower()
_DROPPED = b"*_`~"  # Markdown emphasis and code marks: "restr**icted**" is one word
_INVISIBLE = {0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF}


def _json_unescape(m: re.Match) -> bytes:
    if m.group(1):
        return chr(int(m.group(1), 16)).encode("utf-8", "replace")
    return _JSON_SIMPLE.get(m.group(2), m.group(2))


def _entity(m: re.Match) -> bytes:
    return html.unescape(m.group().decode("ascii")).encode("utf-8", "replace")


def _percent(m: re.Match) -> bytes:
    return bytes.fromhex(m.group().replace(b"%", b"").decode("ascii"))


@functools.lru_cache(maxsize=4096)
def _composes(c: str) -> bool:
    """Whether NFKC may join a character to the one before it: only combining marks and Hangul vowel and
    final jamo do, so a text without them is in NFKC once each of its characters is (`_folded`)."""
    return unicodedata.category(c)[0] == "M" or 0x1160 <= ord(c) <= 0x11FF


@functools.lru_cache(maxsize=4096)
def _folded(c: str) -> str:
    """One non-ASCII character, case-folded; a space if it is not part of a word, nothing if invisible."""
    if ord(c) in _INVISIBLE:
        return ""
    text = unicodedata.normalize("NFKC", c.casefold())
    return "".join(x if x.isalnum() or x < "\x80" or unicodedata.category(x)[0] == "M" else " " for x in text)


def decode(data: bytes) -> bytes:
    """Output as a reader or a search engine sees it: JSON escapes, tags, HTML entities and percent-encoding undone."""
    if b"\\" in data:
        data = _JSON_ESCAPE.sub(_json_unescape, data)
    if b"<" in data:
        data = _TAG_NAME.sub(b" ", _INLINE_TAG.sub(b"", data))
    if b"&" in data:
        data = _ENTITY.sub(_entity, data)
    if b"%" in data:
        data = _PERCENT.sub(_percent, data)
    return data


def words(data: bytes) -> str:
    """UTF-8 text as normalised words, each followed by one space ("" for none); a slash is a word of its own."""
    if not data.isascii():
        others = set(data.translate(None, _ASCII_BYTES).decode("utf-8", "replace"))
        if any(map(_composes, others)):  # a letter written as two characters (NFD), or Hangul in jamo
            data = unicodedata.normalize("NFKC", data.decode("utf-8", "replace")).encode("utf-8")
            others = set(data.translate(None, _ASCII_BYTES).decode("utf-8", "replace"))
        # a text holds few distinct characters beyond ASCII: each is replaced throughout, in one C pass
        for c in others:
            if (folded := _folded(c)) != c:
                data = data.replace(c.encode("utf-8", "replace"), folded.encode("utf-8"))
    data = _SPACES.sub(b" ", data.translate(_ASCII, _DROPPED).replace(b"/", b" / ")).lstrip(b" ")
    if data and not data.endswith(b" "):
        data += b" "
    return data.decode("utf-8", "replace")


def _needle(text: str) -> str:
    """A text as the check looks for it: its normalised words between spaces, so that only whole words match."""
    normal = words(text.encode("utf-8", "replace"))
    return " " + normal if normal else ""


# --- what is withheld ---------------------------------------------------------------


@dataclass
class _Needle:
    """What one match means: the withheld file, and which of its values was found."""

    reason: str  # "brief 'secret' (TLP:AMBER)"
    field: str  # "claims[2].location"


def _strings(value, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every string in a file's data, at any depth, with where it is."""
    if isinstance(value, str):
        yield path, value.strip()
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, path + (i,))


def _why_withheld(kind: str, data: dict, policy: Policy) -> str | None:
    """Why `policy` withholds a file (as `corpus._Builder.describe` says it), or None if it publishes it."""
    tlp = data.get("tlp", None if kind == "brief" else "clear")
    status = data.get("status", "published") if kind == "brief" else "published"
    if not isinstance(tlp, str) or tlp not in vocab.TLP:
        return f"TLP {tlp!r} unknown" if tlp is not None else "no TLP"
    if policy.allows(tlp, status):
        return None
    if vocab.tlp_rank(tlp) > vocab.tlp_rank(policy.max_tlp):
        return vocab.TLP[tlp].label
    return "a draft" if status == "draft" else f"status {status!r}"


def _windows(text: str) -> Iterator[str]:
    """The runs of a text's words that hold `WORDS` words of `MIN_WORD` letters or more (and the short words
    between them); or the whole text when it has fewer such words, but at least `MIN_PHRASE`."""
    tokens = _needle(text).split()
    long = [i for i, t in enumerate(tokens) if len(t) >= MIN_WORD and not t.isdigit()]
    if len(long) < WORDS:
        if len(long) >= MIN_PHRASE:
            yield " " + " ".join(tokens) + " "
        return
    for k in range(len(long) - WORDS + 1):
        yield " " + " ".join(tokens[long[k]:long[k + WORDS - 1] + 1]) + " "


def _is_text(value: str) -> bool:
    """Whether a value without spaces is looked for as a whole: a web or e-mail address, not a single word,
    a reference (shaped like an id) or a vocabulary term, and long enough not to be common."""
    return (len(value) >= MIN_ID_LENGTH and not load.SLUG.match(value) and value not in _VOCABULARY
            and _needle(value).count(" ") > 2)


def _runs(name: str) -> Iterator[str]:
    """Every run of a name's words, as `_needle` writes it."""
    tokens = _needle(name).split()
    for i in range(len(tokens)):
        for j in range(i + 1, len(tokens) + 1):
            yield " " + " ".join(tokens[i:j]) + " "


def _facts(file: Path, project: Project, policy: Policy, memo: MutableMapping | None) -> tuple | list[Problem]:
    """What the check needs of a corpus file: its kind, id, why `policy` withholds it (None: it does
    not), and its data (only its names, if published); or the problems of a file it cannot read.

    `memo` keeps them by the digest of the file's bytes (read now, every time) and the policy: a
    file's bytes say all of it, and parsing the whole corpus again is most of the check's work."""
    key = None
    if memo is not None:
        digest = load.file_digest(file)
        key = f"{digest} {policy.max_tlp} {policy.drafts}"
        if digest is not None and (found := memo.get(key)) is not None:
            return found
    shown = load.shown_path(file, project.root)
    try:
        doc, problems = load.load_document(file, project.briefs, project.root)
    except OSError as e:
        doc, problems = None, [Problem(shown, 1, 1, f"cannot read the file: {e.strerror or e}")]
    if doc is None:  # the build has failed on it already, unless a stale cache stood in for it
        return [Problem(p.path, p.line, p.col, f"leak check: {p.message}") for p in problems]
    why = _why_withheld(doc.kind, doc.data, policy)
    data = doc.data if why is not None else {key: doc.data.get(key) for key in _NAMES.get(doc.kind, ())}
    facts = (doc.kind, doc.id, why, data)
    if memo is not None:
        memo[f"{doc.digest} {policy.max_tlp} {policy.drafts}"] = facts
    return facts


def needles(project: Project, policy: Policy, memo: MutableMapping | None = None) -> tuple[dict[str, _Needle], list[Problem]]:
    """Every normalised form that must not appear in the output, read from the corpus files;
    and the problems of files that cannot be read, whose texts are then unknown."""
    out: dict[str, _Needle] = {}
    texts: list[tuple[str, _Needle]] = []
    public: set[str] = set()  # what the names of published people and groups say: not a leak
    unread: list[Problem] = []
    for _, _, file in load.corpus_listing(project.briefs, project.root):
        facts = _facts(file, project, policy, memo)
        if isinstance(facts, list):
            unread.extend(facts)
            continue
        kind, doc_id, why, data = facts
        names = _NAMES.get(kind, ())
        if why is None:
            for _, value in _strings({key: data.get(key) for key in names}):
                public.update(_runs(value))
            continue
        reason = f"{kind} '{doc_id}' ({why})"
        out[_needle(f"{vocab.SITE_SECTION[kind]}/{doc_id}/")] = _Needle(reason, "page address")
        if len(doc_id) >= MIN_ID_LENGTH:
            out[_needle(doc_id)] = _Needle(reason, "id")
        for path, value in _strings(data):
            meaning = _Needle(reason, field_path(path))
            if path[-1] == "id":
                if len(value) >= MIN_ID_LENGTH:
                    out[_needle(value)] = meaning
            elif not any(c.isspace() for c in value):
                if _is_text(value):
                    texts.append((_needle(value), meaning))
            else:
                for url in _URL.findall(value):  # a whole, not as words: every address of a site starts alike
                    if _is_text(url):
                        texts.append((_needle(url), meaning))
                texts.extend((window, meaning) for part in _URL.split(value) for window in _windows(part))
            if path[0] in names and len(_needle(value).replace(" ", "")) >= MIN_NAME_LENGTH:
                texts.append((_needle(value), meaning))
    for needle, meaning in texts:
        if needle not in public:
            out.setdefault(needle, meaning)
    return out, unread


# --- the output -------------------------------------------------------------------------

# Pagefind's word index holds single words of the pages, each also in its page's fragment;
# its other files but the fragments are CBOR, whose strings `_cbor_strings` reads
_SKIPPED = {".pf_index"}
_BINARY = bytes(c if c < 0x80 else 0x20 for c in range(256))
_SLASH = re.compile(r" ?/ ?")
_CBOR = {".pf_meta", ".pf_filter"}


def _cbor_strings(data: bytes) -> str:
    """The text strings of a CBOR document, one a line. Containers only prefix their items, so one flat walk reads them."""
    out = []
    i, n = 0, len(data)
    while i < n:
        head = data[i]
        major, info = head >> 5, head & 31
        i += 1
        size = info if info < 24 else 0  # 28-31: reserved or indefinite, no Pagefind file has them
        if 24 <= info <= 27:
            width = 1 << (info - 24)
            size = int.from_bytes(data[i:i + width], "big")
            i += width
        if major == 3:
            out.append(data[i:i + size].decode("utf-8", "replace"))
        if major in (2, 3):
            i += size
    return "\n".join(out)


def _pieces(f) -> Iterator[bytes]:
    while chunk := f.read(CHUNK):
        chunk += f.readline(CHUNK)
        # a binary file (an image, WebAssembly) is read for the ASCII text in it, not as UTF-8
        yield chunk.translate(_BINARY) if b"\0" in chunk else decode(chunk)


def _chunks(path: Path) -> Iterator[bytes]:
    """A file's text, decoded (`decode`), in pieces that end at a line's end; a gzip-compressed file's
    text, uncompressed; the strings of one of Pagefind's CBOR files."""
    with open(path, "rb") as f:
        if f.read(2) != b"\x1f\x8b":
            f.seek(0)
            yield from _pieces(f)
            return
    try:
        with gzip.open(path, "rb") as f:
            if path.suffix in _CBOR:
                data = f.read().removeprefix(b"pagefind_dcd")
                yield _cbor_strings(data).encode("utf-8")
            else:
                yield from _pieces(f)
    except (EOFError, gzip.BadGzipFile, zlib.error):  # not gzip after all: read as it is
        with open(path, "rb") as f:
            yield from _pieces(f)


class LeakCheck:
    """The leak check of one build: the forms to look for are made once, on the first call."""

    def __init__(self, project: Project, policy: Policy, memo: MutableMapping | None = None, map: Callable = map):
        self.project = project
        self.policy = policy
        self.memo = memo  # what it read of each corpus file, by the file's digest (`_facts`)
        self.map = map  # how the parts of a whole site's check run: one after the other, or in forked workers
        self.automaton: ahocorasick.Automaton | None = None
        self.unread: list[Problem] = []
        self.digest: str | None = None

    def _automaton(self) -> ahocorasick.Automaton:
        if self.automaton is None:
            self.automaton = ahocorasick.Automaton()
            found, self.unread = needles(self.project, self.policy, self.memo)
            h = hashlib.blake2b(digest_size=16)
            for needle, meaning in found.items():
                self.automaton.add_word(needle, (needle, meaning))
                h.update(f"{needle}\0{meaning.reason}\0{meaning.field}\0".encode())
            self.digest = None if self.unread else h.hexdigest()
            if len(self.automaton):
                self.automaton.make_automaton()
        return self.automaton

    def key(self) -> str | None:
        """What this check looks for, as a hash (None when it could not read the whole corpus): a file
        that passed a check of the same key, and is unchanged since, passes this one."""
        self._automaton()
        return self.digest

    def __call__(self, site_dir: Path, under: str | None = None, last: Path | None = None) -> list[Problem]:
        """Every file of the site (or of its folder `under`) that holds a withheld text: one problem each;
        and, the check being unsure of what is withheld, every corpus file it could not read.

        `last`, a site that passed a check of the same `key`, spares what it vouches for: a file that is
        the same (linked) or holds the same bytes as the one at its path there is not read, and of a
        large text file that changed only the lines it did not have are (`_new_lines`)."""
        automaton = self._automaton()
        if self.unread:
            return self.unread
        if len(automaton) == 0:
            return []
        top = site_dir / under if under else site_dir
        paths = [path for path in sorted(top.rglob("*")) if path.suffix not in _SKIPPED and path.is_file()]
        if last is not None:  # an edit's check reads little: not worth a worker
            return self._check(site_dir, paths, last)
        global _CHECKING
        _CHECKING = (self, site_dir)  # what forked workers check with: the automaton is theirs without a copy
        try:
            parts = self.map(_check_part, [paths[i::_PARTS] for i in range(_PARTS)])
            return sorted((p for part in parts for p in part), key=lambda p: p.path)
        finally:
            _CHECKING = None

    def _check(self, site_dir: Path, paths: list[Path], last: Path | None = None) -> list[Problem]:
        """A problem for each of `paths` that holds a withheld text (see `__call__`)."""
        automaton = self.automaton
        problems = []
        for path in paths:
            rel = path.relative_to(site_dir).as_posix()
            try:
                text = _chunks(path) if last is None else _unvouched(path, last / rel)
                hit = _first_hit(automaton, text)
            except OSError as e:
                problems.append(Problem(rel, 1, 1, f"leak check: the file cannot be read ({e.strerror or e})"))
                continue
            if hit is not None:
                needle, meaning = hit
                shown = _SLASH.sub("/", needle.strip())[:80]
                problems.append(Problem(rel, 1, 1, f"leak: withheld {meaning.reason} appears in the output: its {meaning.field}, as {shown!r}"))
        filecmp.clear_cache()  # it keeps every comparison: not for the life of a preview
        return problems


_PARTS = 2  # of a whole site's files, each checked by a worker when the check is given a forked map
_CHECKING: tuple | None = None  # (the check, the site) while its parts are checked


def _check_part(paths: list[Path]) -> list[Problem]:
    check, site_dir = _CHECKING
    return check._check(site_dir, paths)


_BREAK = bytearray()  # between two runs of a file's text (compared by identity): no needle is found across it


def _unvouched(path: Path, old: Path) -> Iterator[bytes]:
    """The text of `path` that the checked file `old` does not vouch for: none if it is the same file or
    holds the same bytes; the new lines of a large plain-text file; else all of it."""
    try:
        was = os.stat(old)
    except FileNotFoundError:
        yield from _chunks(path)
        return
    now = os.stat(path)
    if os.path.samestat(now, was) or filecmp.cmp(path, old, shallow=False):
        return
    if now.st_size < LARGE or _compressed(path) or _compressed(old):
        yield from _chunks(path)
        return
    yield from _new_lines(path, old)


def _compressed(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _new_lines(path: Path, old: Path) -> Iterator[bytes]:
    """The lines of `path` that `old` does not hold after the same line, each run of them with the line
    before it, decoded: what an edit changed in a large export (one object a line), and where it meets
    what it did not. A withheld text would have to span more than a whole line of the file on either side
    of a run to be missed, which the exports' lines (each a whole object, with its keys) make impossible."""
    seen = set()
    previous = 0
    with open(old, "rb") as f:
        for line in f:
            h = hash(line)
            seen.add(hash((previous, h)))
            previous = h
    previous, previous_line = 0, b""
    run: list[bytes] = []
    size = 0
    with open(path, "rb") as f:
        for line in f:
            h = hash(line)
            if hash((previous, h)) in seen:
                if run:
                    yield decode(b"".join(run))
                    yield _BREAK
                    run, size = [], 0
            else:
                if not run:
                    run.append(previous_line)
                run.append(line)
                size += len(line)
                if size > CHUNK:
                    yield decode(b"".join(run))
                    run, size = [], 0
            previous, previous_line = h, line
    if run:
        yield decode(b"".join(run))


def _first_hit(automaton: ahocorasick.Automaton, chunks: Iterator[bytes]):
    """The first needle found in the text of `chunks`, read as one stream of words (one pass)."""
    search = None
    for chunk in chunks:
        text = "\0 " if chunk is _BREAK else words(chunk)
        if not text:
            continue
        if search is None:
            search = automaton.iter(" " + text)
        else:
            search.set(text)
        for _, found in search:
            return found
    return None
