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
Every file of the built site is read, in chunks, in one pass: the windows
(most of what is looked for) by hashing every run of the output's words that
has their shape and comparing whole those whose hash matches one of theirs
(`_Windows`); the others (names, ids, addresses) by hashing every run of the
output's words as long as their keys, a run of up to `KEY` of each needle's
words, and comparing whole the needles whose key matches (`_Keyed`): in
constant time a character, however many needles. Gzip-compressed files
(Pagefind's fragments, the sitemap) are read uncompressed, Pagefind's CBOR
files as their strings, but for its word index, whose words are those of the
fragments. One hit fails the build.
"""

from __future__ import annotations

import filecmp
import functools
import gzip
import hashlib
import html
import math
import os
import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, MutableMapping

import numpy as np

from generator.config import Project
from generator.errors import Problem, field_path
from generator.format import vocab
from generator.site import swap
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
    return _normal(data).decode("utf-8")


def _normal(data: bytes) -> bytes:
    """`words`, encoded in UTF-8: what the scan reads."""
    if not data.isascii():
        others = set(data.translate(None, _ASCII_BYTES).decode("utf-8", "replace"))
        if any(map(_composes, others)):  # a letter written as two characters (NFD), or Hangul in jamo
            data = unicodedata.normalize("NFKC", data.decode("utf-8", "replace")).encode("utf-8")
            others = set(data.translate(None, _ASCII_BYTES).decode("utf-8", "replace"))
        # a text holds few distinct characters beyond ASCII: each is replaced throughout, in one C pass
        for c in others:
            if (folded := _folded(c)) != c:
                data = data.replace(c.encode("utf-8", "replace"), folded.encode("utf-8"))
    data = _one_space(data.translate(_ASCII, _DROPPED).replace(b"/", b" / ")).lstrip(b" ")
    if data and not data.endswith(b" "):
        data += b" "
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:  # bytes that are no UTF-8 are read as U+FFFD, part of the word they are in
            data = data.decode("utf-8", "replace").encode("utf-8")
    return data


def _one_space(data: bytes) -> bytes:
    """`data` with every run of spaces one space: in numpy for a page, where the regular expression takes
    several times as long; by the expression for a short text (a corpus value), where numpy's calls would."""
    if len(data) < 4096:
        return _SPACES.sub(b" ", data)
    a = np.frombuffer(data, dtype=np.uint8)
    space = a == 32
    keep = np.empty(len(a), dtype=bool)
    keep[:1] = True
    np.logical_not(space[1:] & space[:-1], out=keep[1:])
    return a[keep].tobytes()


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


def _long(word: str) -> bool:
    """Whether a normalised word counts towards a window: `MIN_WORD` letters or more, and not a number.
    `_Windows._words` must say the same of every word of the output."""
    return len(word) >= MIN_WORD and not word.isdigit()


def _windows(text: str) -> Iterator[str]:
    """The runs of a text's words that hold `WORDS` words of `MIN_WORD` letters or more (and the short words
    between them); or the whole text when it has fewer such words, but at least `MIN_PHRASE`."""
    tokens = _needle(text).split()
    long = [i for i, t in enumerate(tokens) if _long(t)]
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


def _memo_key(digest: str | None, policy: Policy) -> str:
    """What a file's facts are kept by: its bytes, and what the policy withholds."""
    return f"{digest} {policy.max_tlp} {policy.drafts}"


def _facts(file: Path, project: Project, policy: Policy, memo: MutableMapping | None) -> tuple[str | None, tuple] | list[Problem]:
    """What the check needs of a corpus file: its kind, id, why `policy` withholds it (None: it does
    not), and its data (only its names, if published), with the key it is kept by (None without a
    `memo`); or the problems of a file it cannot read.

    `memo` keeps them by the digest of the file's bytes (read now, every time) and the policy: a
    file's bytes say all of it, and parsing the whole corpus again is most of the check's work."""
    key = None
    if memo is not None:
        digest = load.file_digest(file)
        key = _memo_key(digest, policy)
        if digest is not None and (found := memo.get(key)) is not None:
            return key, found
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
    if memo is None:
        return None, facts
    key = _memo_key(doc.digest, policy)
    memo[key] = facts
    return key, facts


_Adds = tuple[list[tuple[str, _Needle]], list[tuple[str, _Needle]], set[str]]
# What each corpus file adds to the needles, by the key its facts are kept by (`_facts`): a preview's
# builds run in one process, and then work out again only what the files an edit changed add.
_ADDED: dict[str, _Adds] = {}


def _adds(facts: tuple) -> _Adds:
    """What one corpus file adds: the needles it is found by as they are (its page address and ids),
    the texts it is found by unless a published name says them, and what its published names say."""
    kind, doc_id, why, data = facts
    names = _NAMES.get(kind, ())
    if why is None:
        return [], [], {run for _, value in _strings({key: data.get(key) for key in names}) for run in _runs(value)}
    reason = f"{kind} '{doc_id}' ({why})"
    direct = [(_needle(f"{vocab.SITE_SECTION[kind]}/{doc_id}/"), _Needle(reason, "page address"))]
    if len(doc_id) >= MIN_ID_LENGTH:
        direct.append((_needle(doc_id), _Needle(reason, "id")))
    texts: list[tuple[str, _Needle]] = []
    for path, value in _strings(data):
        meaning = _Needle(reason, field_path(path))
        if path[-1] == "id":
            if len(value) >= MIN_ID_LENGTH:
                direct.append((_needle(value), meaning))
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
    return direct, texts, set()


def needles(project: Project, policy: Policy, memo: MutableMapping | None = None) -> tuple[dict[str, _Needle], list[Problem]]:
    """Every normalised form that must not appear in the output, read from the corpus files;
    and the problems of files that cannot be read, whose texts are then unknown."""
    global _ADDED
    out: dict[str, _Needle] = {}
    texts: list[tuple[str, _Needle]] = []
    public: set[str] = set()  # what the names of published people and groups say: not a leak
    unread: list[Problem] = []
    added: dict[str, _Adds] = {}
    for _, _, file in load.corpus_listing(project.briefs, project.root):
        got = _facts(file, project, policy, memo)
        if isinstance(got, list):
            unread.extend(got)
            continue
        key, facts = got
        adds = _ADDED.get(key) if key is not None else None
        if adds is None:
            adds = _adds(facts)
        if key is not None:
            added[key] = adds
        out.update(adds[0])
        texts.extend(adds[1])
        public.update(adds[2])
    if memo is not None:
        _ADDED = added  # only what this corpus adds: a preview's memory does not grow with its edits
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


# --- the needles found by hash ---------------------------------------------------------------
# Most needles are windows of `WORDS` long words (`_windows`): as many as the withheld text has long
# words, too many for an automaton to stay in the CPU's caches. A window-shaped needle is in a text
# exactly when the run of its words from some long word to the fifth long word after it equals it,
# since whether a word is long depends on the word alone: so each such run of the output is hashed,
# with numpy, and looked up among the needles' hashes; every hash that matches is compared whole.
# Every other needle (a name, an id, a page or web address, a short text) is in a text exactly when
# one run of its words, its key, is, and the words around it are the needle's: so every run of the
# output's words as long as a key is hashed the same way, and each match compared whole in its needle.

_U64 = np.uint64
_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [(1 << 64) - 1], dtype=_U64)  # a word's first n bytes
_MIX = [_U64(k) for k in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)]
_PLACE = [_U64(k) for k in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB,
                            0xBF58476D1CE4E5B9, 0x2545F4914F6CDD1D, 0xD6E8FEB86659FD93)]  # of a window's words, by place
assert len(_PLACE) == WORDS
KEY = 3  # words in a key at most: two words of a web address or an id are often those of another one
_KEY_PLACE = [_U64(1), _U64(0xA0761D6478BD642F), _U64(0xE7037ED1A0B428DB)]  # of a key's words, by place
assert len(_KEY_PLACE) == KEY


@functools.cache
def _digit_codes() -> np.ndarray:
    """The characters beyond ASCII that `str.isdigit` takes for digits (Arabic-Indic ones among them)."""
    return np.array([c for c in range(0x80, 0x110000) if chr(c).isdigit()], dtype=np.uint32)


def _eights(data: bytes) -> np.ndarray:
    """A text as aligned 8-byte words, padded so that `_load8` may read eight bytes from any of its offsets."""
    return np.frombuffer(data + bytes(16 - len(data) % 8), dtype="<u8")


def _load8(words64: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The eight bytes at each offset `at` of the text whose aligned 8-byte words are `words64`, as little-endian integers."""
    q = at >> 3
    r = (at & 7).astype(_U64) << _U64(3)
    return (words64[q] >> r) | ((words64[q + 1] << (_U64(63) - r)) << _U64(1))  # in two: C leaves a shift by 64 undefined


def _all_digits(v: np.ndarray) -> np.ndarray:
    """Whether each of the eight bytes of each value is an ASCII digit."""
    high = _U64(0xF0F0F0F0F0F0F0F0)
    digits = _U64(0x3030303030303030)
    return ((v & high) == digits) & (((v + _U64(0x0606060606060606)) & high) == digits)


def _spans(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Where each word of a normalised text ("tok tok ") starts and ends, in bytes."""
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 32)
    starts = np.empty_like(ends)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    return starts, ends


def _word_hashes(words64: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The hash of each word of a text: of its first eight bytes and its length."""
    n = ends - starts
    x = (_load8(words64, starts) & _MASKS[np.minimum(n, 8)]) * _MIX[0] + n.astype(_U64) * _MIX[1]
    x ^= x >> _U64(29)
    return x


def _key_hashes(hashes: np.ndarray, sizes: list[int]) -> dict[int, np.ndarray]:
    """For each of `sizes`, the hash of the run of that many words that starts at each word (of a text
    whose words' hashes are `hashes`) but the last ones."""
    out = {}
    h = hashes
    for size in range(1, max(sizes, default=0) + 1):
        if size > 1:
            h = h[:-1] + hashes[size - 1:] * _KEY_PLACE[size - 1]
        if size in sizes:
            out[size] = h
    return out


def _table(hashes: np.ndarray) -> tuple[np.uint64, np.ndarray]:
    """A table of which hashes may be among `hashes`, by their top bits (a hash's shift, and the table)."""
    bits = max(16, (len(hashes) * 32).bit_length())  # few false hits, and a table that fits in the caches
    shift = _U64(64 - bits)
    table = np.zeros(1 << bits, dtype=bool)
    table[hashes >> shift] = True
    return shift, table


def _matching(h: np.ndarray, shift: np.uint64, table: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """Where the hashes `h` are among the sorted `hashes` (of which `table` is the `_table`), in order."""
    k = np.flatnonzero(table[h >> shift])
    if not len(k):
        return k
    at = np.searchsorted(hashes, h[k]).clip(max=len(hashes) - 1)
    return k[hashes[at] == h[k]]


def _after(starts: np.ndarray, size: int, at: int) -> int:
    """Where the first word that starts at `at` or after does (`size`, the text's length, if none)."""
    i = np.searchsorted(starts, max(at, 0))
    return int(starts[i]) if i < len(starts) else size


class _Text:
    """A normalised text as the hashes read it: where its words are, which are long, and each word's hash."""

    def __init__(self, data: bytes):
        self.data = data
        words64 = _eights(data)  # one copy of the text, for telling numbers and for hashing
        self.starts, self.ends, self.long = _Windows._words(data, words64)
        self.hashes = _word_hashes(words64, self.starts, self.ends)


class _Windows:
    """The window-shaped needles (`_window_shaped`), found by the hashes of the output's windows."""

    def __init__(self, found: dict[str, tuple[str, _Needle]]):
        self.needles = {needle.strip().encode(): value for needle, value in found.items()}
        self.longest = max(map(len, self.needles), default=0)  # in bytes: no window of a text is longer
        hashes = np.zeros(0, dtype=_U64)
        if self.needles:
            # each needle holds `WORDS` long words: the windows of all of them, one after the other,
            # start at every `WORDS`-th long word, each hashed as it would be in any text
            t = _Text(b" ".join(self.needles) + b" ")
            hashes = np.unique(self._hashes(t.hashes, t.starts, t.ends, t.long)[::WORDS])
        self.hashes = hashes
        self.shift, self.table = _table(hashes)

    @staticmethod
    def _words(data: bytes, words64: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where each word of a normalised text ("tok tok ") starts and ends, in bytes, and where its
        long words (`_long`: in characters, and numbers in any script excluded) are among them."""
        a = np.frombuffer(data, dtype=np.uint8)
        starts, ends = _spans(data)
        size = ends - starts
        ascii = data.isascii()
        if ascii:
            chars = size
        else:
            cont = np.zeros(len(a) + 1, dtype=np.int32)  # UTF-8 continuation bytes before each offset
            np.cumsum((a & 0xC0) == 0x80, out=cont[1:])
            others = cont[ends] - cont[starts]
            chars = size - others
        long = chars >= MIN_WORD
        first = a[starts]
        maybe = long & ((first - np.uint8(48)) < 10)  # may be a number: starts with an ASCII digit
        if not ascii:
            lead = long & (first >= 0xC0)
            i = np.flatnonzero(lead)  # starts with a character beyond ASCII: is it a digit?
            if len(i):
                b = [a[starts[i] + k].astype(np.uint32) for k in range(4)]
                code = np.where(b[0] >= 0xF0, ((b[0] & 7) << 18) | ((b[1] & 63) << 12) | ((b[2] & 63) << 6) | (b[3] & 63),
                                np.where(b[0] >= 0xE0, ((b[0] & 15) << 12) | ((b[1] & 63) << 6) | (b[2] & 63),
                                         ((b[0] & 31) << 6) | (b[1] & 63)))
                codes = _digit_codes()
                at = np.searchsorted(codes, code).clip(max=len(codes) - 1)
                maybe[i[codes[at] == code]] = True
        i = np.flatnonzero(maybe)
        if len(i):
            s, e, n = starts[i], ends[i], size[i]
            mask = _MASKS[np.minimum(n, 8)]
            head = (_load8(words64, s) & mask) | (~mask & _U64(0x3030303030303030))  # padded with "0"s
            number = _all_digits(head) & ((n <= 8) | _all_digits(_load8(words64, np.maximum(e - 8, s))))
            slow = n > 16
            if not ascii:
                slow |= others[i] > 0
            number[slow] = False
            long[i[number]] = False
            for k in i[slow]:  # rare: long numbers, and numbers in other scripts
                long[k] = not data[starts[k]:ends[k]].decode("utf-8").isdigit()
        return starts, ends, np.flatnonzero(long)

    @staticmethod
    def _hashes(words: np.ndarray, starts: np.ndarray, ends: np.ndarray, long: np.ndarray) -> np.ndarray:
        """The hash of the window that starts at each long word but the last `WORDS` - 1: of its long
        words' hashes (`_word_hashes`), and the lengths of the runs of short words between them."""
        s, e = starts[long], ends[long]
        x = words[long]
        gapped = x.copy()
        gapped[:-1] += (s[1:] - e[:-1]).astype(_U64) * _MIX[2]  # what lies between one long word and the next
        count = len(long) - WORDS + 1
        h = x[WORDS - 1:] * _PLACE[WORDS - 1]
        for k in range(WORDS - 1):
            h += gapped[k:k + count] * _PLACE[k]
        return h

    def find(self, t: _Text) -> tuple[int, int, tuple[str, _Needle]] | None:
        """The first window-shaped needle in a text: where it ends, in bytes, less its length, and what it is."""
        if len(t.long) < WORDS or not self.needles:
            return None
        h = self._hashes(t.hashes, t.starts, t.ends, t.long)
        for k in _matching(h, self.shift, self.table, self.hashes):  # in the order they end
            s, e = t.starts[t.long[k]], t.ends[t.long[k + WORDS - 1]]
            if (found := self.needles.get(t.data[s:e])) is not None:
                return int(e), int(s - e), found
        return None

    def tail(self, t: _Text) -> int:
        """Where the end of a text that a window going on in the next text may start in starts: at the
        fifth-last long word, no longer than the longest needle."""
        long, starts = t.long, t.starts
        cut = starts[long[-(WORDS - 1)]] if len(long) >= WORDS - 1 else starts[long[0]] if len(long) else len(t.data)
        return max(int(cut), _after(starts, len(t.data), len(t.data) - self.longest))


class _Keyed:
    """The needles that are no window (`_window_shaped`), each found by the hash of a run of `KEY` of its
    words (all of them, if fewer), its key: of those runs, the one whose words the withheld text uses least,
    so that a key matches seldom where its needle is not."""

    def __init__(self, found: dict[str, tuple[str, _Needle]], common: Counter):
        self.needles = {needle.strip().encode(): value for needle, value in found.items() if needle.strip()}
        self.longest = max(map(len, self.needles), default=0)  # in bytes
        picked = []  # (the key's words, its size, its place among the needle's words, how many they are)
        for needle in self.needles:
            tokens = needle.split(b" ")
            size = min(KEY, len(tokens))
            place = min(range(len(tokens) - size + 1), key=lambda i: math.prod(common[w] for w in tokens[i:i + size]))
            picked.append((b" ".join(tokens[place:place + size]), size, place, len(tokens)))
        self.sizes = sorted({size for _, size, _, _ in picked})
        self.keys: dict[int, list[tuple[int, int, int, bytes]]] = {}  # by hash: (size, place, words, needle)
        if picked:
            # every key, one after the other, hashed as it would be in any text
            t = _Text(b" ".join(key for key, _, _, _ in picked) + b" ")
            firsts = np.cumsum([0] + [size for _, size, _, _ in picked[:-1]])
            runs = _key_hashes(t.hashes, self.sizes)
            for (_, size, place, count), first, needle in zip(picked, firsts.tolist(), self.needles):
                self.keys.setdefault(int(runs[size][first]), []).append((size, place, count, needle))
        self.hashes = np.array(sorted(self.keys), dtype=_U64)
        self.shift, self.table = _table(self.hashes)

    def find(self, t: _Text) -> tuple[int, int, tuple[str, _Needle]] | None:
        """The first of these needles in a text (the longest of those that end there): where it ends, in
        bytes, less its length, and what it is."""
        best = None
        n = len(t.starts)
        for size, h in _key_hashes(t.hashes, self.sizes).items():
            for i in _matching(h, self.shift, self.table, self.hashes).tolist():
                for key_size, place, count, needle in self.keys[int(h[i])]:
                    first, last = i - place, i - place + count - 1
                    if key_size != size or first < 0 or last >= n:  # another key's hash, or a needle cut by the text's ends
                        continue
                    s, e = int(t.starts[first]), int(t.ends[last])
                    if (best is None or (e, s - e) < best[:2]) and t.data[s:e] == needle:
                        best = (e, s - e, self.needles[needle])
        return best

    def tail(self, t: _Text) -> int:
        """Where the end of a text that a needle going on in the next text may start in starts."""
        return _after(t.starts, len(t.data), len(t.data) - self.longest)


def _searchers(found: dict[str, _Needle]) -> tuple[_Keyed, _Windows]:
    """What finds the needles: the keys of those that are no window, and the windows."""
    windows, others = {}, {}
    for needle, meaning in found.items():
        (windows if _window_shaped(needle) else others)[needle] = (needle, meaning)
    common = Counter(word for needle in found for word in needle.encode().split())
    return _Keyed(others, common), _Windows(windows)


def _window_shaped(needle: str) -> bool:
    """Whether a needle is one window: `WORDS` long words, the first and the last of its words among them."""
    long = [_long(word) for word in needle.split()]
    return sum(long) == WORDS and long[0] and long[-1]


# The last searchers made, by the digest of every needle and its meaning: the next build of a preview,
# whose edit changed nothing that is withheld, finds the same needles and takes them as they are.
_SEARCHERS: tuple[str, tuple[_Keyed, _Windows]] | None = None


class LeakCheck:
    """The leak check of one build: the forms to look for are made once, on the first call."""

    def __init__(self, project: Project, policy: Policy, memo: MutableMapping | None = None, map: Callable = map):
        self.project = project
        self.policy = policy
        self.memo = memo  # what it read of each corpus file, by the file's digest (`_facts`)
        self.map = map  # how the parts of a whole site's check run: one after the other, or in forked workers
        self.keyed: _Keyed | None = None  # the needles that are no window (`_window_shaped`)
        self.windows: _Windows | None = None  # the windows
        self.unread: list[Problem] = []
        self.digest: str | None = None

    def _make(self) -> None:
        global _SEARCHERS
        if self.keyed is None:
            found, self.unread = needles(self.project, self.policy, self.memo)
            h = hashlib.blake2b(digest_size=16)
            for needle, meaning in found.items():
                h.update(f"{needle}\0{meaning.reason}\0{meaning.field}\0".encode())
            self.digest = None if self.unread else h.hexdigest()
            if self.digest is not None and _SEARCHERS is not None and _SEARCHERS[0] == self.digest:
                self.keyed, self.windows = _SEARCHERS[1]
                return
            self.keyed, self.windows = _searchers(found)
            if self.digest is not None:
                _SEARCHERS = (self.digest, (self.keyed, self.windows))

    def key(self) -> str | None:
        """What this check looks for, as a hash (None when it could not read the whole corpus): a file
        that passed a check of the same key, and is unchanged since, passes this one."""
        self._make()
        return self.digest

    def __call__(self, site_dir: Path, under: str | None = None, last: Path | None = None) -> list[Problem]:
        """Every file of the site (or of its folder `under`) that holds a withheld text: one problem each;
        and, the check being unsure of what is withheld, every corpus file it could not read.

        `last`, a site that passed a check of the same `key`, spares what it vouches for: a file that is
        the same (linked) or holds the same bytes as the one at its path there is not read, and of a
        large text file that changed only the lines it did not have are (`_new_lines`)."""
        self._make()
        if self.unread:
            return self.unread
        if not self.keyed.needles and not self.windows.needles:
            return []
        prefix = under + "/" if under else ""
        files = _files(site_dir / prefix)
        paths = sorted((prefix + rel for rel in files if os.path.splitext(rel)[1] not in _SKIPPED), key=lambda rel: rel.split("/"))
        if last is not None:  # an edit's check reads little: not worth a worker
            linked = _linked(files, site_dir / prefix, last / prefix)
            return self._check(site_dir, paths, last, {prefix + rel for rel in linked})
        global _CHECKING
        _CHECKING = (self, site_dir)  # what forked workers check with: the needles' hashes are theirs without a copy
        try:
            parts = self.map(_check_part, [paths[i::_PARTS] for i in range(_PARTS)])
            return sorted((p for part in parts for p in part), key=lambda p: p.path)
        finally:
            _CHECKING = None

    def _check(self, site_dir: Path, paths: list[str], last: Path | None = None, linked: set[str] = frozenset()) -> list[Problem]:
        """A problem for each of `paths` (in `site_dir`) that holds a withheld text (see `__call__`);
        those `linked` are the files of the same paths in `last`."""
        problems = []
        for rel in paths:
            if rel in linked:
                continue
            path = site_dir / rel
            try:
                text = _chunks(path) if last is None else _unvouched(path, last / rel)
                hit = _first_hit(self.keyed, self.windows, text)
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


def _check_part(paths: list[str]) -> list[Problem]:
    check, site_dir = _CHECKING
    return check._check(site_dir, paths)


def _files(top: Path) -> dict[str, os.DirEntry]:
    """Every file under `top`, links to files included (`swap.entries`), by its path in it; its entry
    knows its inode without a `stat`."""
    return {rel: entry for rel, entry in swap.entries(top).items() if entry.is_file()}


def _linked(files: dict[str, os.DirEntry], top: Path, last: Path) -> set[str]:
    """Those of `files` (under `top`) that are the very files of the same paths under `last`, which the
    check passed: the pages a build kept are links to the last site's."""
    try:
        if os.stat(top).st_dev != os.stat(last).st_dev:
            return set()
    except FileNotFoundError:
        return set()
    was = _files(last)
    return {rel for rel, entry in files.items() if not entry.is_symlink()
            and (old := was.get(rel)) is not None and not old.is_symlink() and old.inode() == entry.inode()}


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


def _first_hit(keyed: _Keyed, windows: _Windows, chunks: Iterator[bytes]):
    """The first needle found in the text of `chunks`, read as one stream of words: the one that ends first
    (the longest of those that end there), of the windows (`_Windows.find`) and the others (`_Keyed.find`)."""
    tail = b""  # of the text before, where a needle ending in this chunk may start
    for chunk in chunks:
        if chunk is _BREAK:
            tail = b""
            continue
        text = _normal(chunk)
        if not text:
            continue
        t = _Text(tail + text)
        hits = [hit for hit in (windows.find(t), keyed.find(t)) if hit is not None]
        if hits:
            return min(hits, key=lambda hit: hit[:2])[2]
        tail = t.data[min(windows.tail(t), keyed.tail(t)):]
    return None
