"""A synthetic, seeded briefgen project, for tests that need a corpus of some size and for benchmarks.

`generate(n, out, seed, restricted)` makes `out` a complete project folder:
mkdocs.yml, templates/ and site_config/ copied from the repository, and
briefs/ with

- n briefs in briefs/<year>/brief-NNNNNN.yaml, each with about 10 claims,
  about 2 analyses and 1 to 3 key judgments;
- shared pools of about n/5 actors (aliases, every third an Arabic name, relations), n/10 sources (every
  reliability grade A to F) and n/20 key questions (3 or 4 hypotheses each),
  with floors for tiny n;
- ACH assessments rating the hypotheses of 1 or 2 questions on every claim
  and analysis, some contradictions and corroborations between claims, dates
  over 2015 to 2024, some of them with reduced precision;
- a share `restricted` (default 5%) of briefs above TLP:CLEAR or in draft,
  which a default build withholds: nothing published references them, so the
  corpus validates, and the build's leak check has work to do.

Every reference resolves, so `briefgen -C DIR validate` exits 0. Text is drawn
from a seeded vocabulary with a Zipf-like word frequency, so pages and the
search index have a realistic size. The YAML is written as text (no dumper).
For the same n, seed and options the output is byte-identical: only one
`random.Random(seed)` is used and nothing depends on set or hash order
(bench/run.py and docs/benchmarks.md rely on it). bench/make_corpus.py is its
command line.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import time
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from random import Random

REPO = Path(__file__).resolve().parent.parent
PROJECT_PARTS = ("mkdocs.yml", "templates", "site_config")
MARKER = ".bench-corpus.json"  # written last: a corpus without it is incomplete
FORMAT_VERSION = 1  # bump when the generated shape changes

START = date(2015, 1, 1)
END = date(2024, 12, 31)
SPAN = (END - START).days

# --- vocabulary ----------------------------------------------------------------

# Frequent English words first: with Zipf weights they make most of any text.
COMMON = """
the of and to in a that is was for on with as by at from it its this be are were
has have had not or which but their they after said also over two more than who
into during been other would about under against near one new three while since
some where any only most between these those there could may all before three
first last week month year officials local forces group area security reported
people attack border according statement several killed city region government
village control power support military leaders members town officials operation
""".split()

DOMAIN = """
ambush convoy checkpoint militia brigade faction commander cell cells raid strike
drone airstrike ceasefire negotiation truce defector smuggling smugglers route
routes corridor crossing detention prison camp camps displacement displaced refugee
refugees recruitment recruits financing remittance remittances network networks
logistics weapons arms ammunition explosive explosives device devices clash clashes
offensive withdrawal deployment patrol patrols intelligence informant informants
surveillance assassination kidnapping ransom extortion taxation revenue tribal tribe
tribes council governor province district countryside outskirts highway bridge
mountain valley river coast port airport hospital school mosque market markets
statement denial claim claims propaganda channel channels broadcast video recording
spokesman spokeswoman envoy delegation mediation agreement accord sanctions embargo
aid convoy humanitarian court tribunal verdict sentence execution executions
insurgency insurgents jihadist jihadists splinter rivals rivalry loyalists
opposition coalition alliance allies hostility mobilisation reinforcements
""".split()

ONSETS = ["b", "d", "f", "g", "h", "j", "k", "l", "m", "n", "r", "s", "t", "v", "z",
          "sh", "kh", "gh", "th", "q", "w", "y", "", "", "dh", "ts", "br", "tr", "kr"]
VOWELS = ["a", "a", "i", "u", "e", "o", "aa", "ei", "ou", "ia"]
CODAS = ["", "", "", "n", "r", "m", "l", "s", "d", "b", "k", "sh", "t"]
DIACRITIC = {"a": "â", "u": "ū", "i": "ī", "s": "ş", "g": "ğ", "o": "ö", "e": "é", "c": "ç"}


def _pseudo_words(rng: Random, n: int) -> list[str]:
    words: dict[str, None] = {}
    known = set(COMMON) | set(DOMAIN)
    while len(words) < n:
        w = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(rng.choice((1, 2, 2, 2, 3, 3, 4))))
        if 3 <= len(w) <= 14 and w not in known:
            words[w] = None
    return list(words)


class Text:
    """Seeded text: sentences, Markdown, names and slugs."""

    def __init__(self, rng: Random, vocabulary: int = 12000):
        self.rng = rng
        self.pseudo = _pseudo_words(rng, vocabulary)
        self.words = list(dict.fromkeys(COMMON + DOMAIN)) + self.pseudo
        weights = [1.0 / (rank ** 1.07) for rank in range(1, len(self.words) + 1)]
        self.cum = list(itertools.accumulate(weights))
        self.slug_words = DOMAIN + self.pseudo[:3000]

    def words_(self, k: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cum, k=k)

    def proper(self) -> str:
        return self.rng.choice(self.pseudo).capitalize()

    def sentence(self, lo: int = 10, hi: int = 26, punct: bool = True) -> str:
        ws = self.words_(self.rng.randint(lo, hi))
        r = self.rng
        for i in range(1, len(ws)):
            if r.random() < 0.06:
                ws[i] = self.proper()
        if punct and len(ws) > 8 and r.random() < 0.4:
            ws[r.randint(3, len(ws) - 3)] += ","
        if punct and r.random() < 0.03:  # characters that need escaping somewhere
            ws[r.randint(1, len(ws) - 1)] = r.choice(['"unknown"', "al-Qa'ida", "R&D", "<b>", "x < y", "50%", "[sic]", "*"])
        text = " ".join(ws)
        return text[0].upper() + text[1:] + ("." if punct else "")

    def title(self) -> str:
        return self.sentence(5, 11, punct=False)

    def paragraph(self, lo: int = 2, hi: int = 5) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(lo, hi)))

    def markdown(self, paragraphs: tuple[int, int] = (1, 3), bullets: float = 0.3) -> str:
        r = self.rng
        out = []
        for _ in range(r.randint(*paragraphs)):
            p = self.paragraph()
            if r.random() < 0.3:
                words = p.split(" ")
                i = r.randint(0, len(words) - 2)
                words[i] = f"**{words[i]} {words[i + 1]}**"
                del words[i + 1]
                p = " ".join(words)
            if r.random() < 0.15:
                p += f" See [{self.proper()} report](https://{r.choice(self.pseudo)}.example.org/{r.randint(1, 99999)})."
            out.append(_wrap(p))
        if r.random() < bullets:
            out.append("\n".join(f"- {self.sentence(6, 16)}" for _ in range(r.randint(2, 4))))
        return "\n\n".join(out)

    def inline(self) -> str:
        s = self.sentence(8, 20)
        if self.rng.random() < 0.3:
            words = s.split(" ")
            i = self.rng.randint(0, len(words) - 1)
            words[i] = f"*{words[i].rstrip(',.')}*" + ("." if words[i].endswith(".") else "")
            s = " ".join(words)
        return s

    def slug(self, lo: int = 2, hi: int = 4) -> str:
        return "-".join(self.rng.choice(self.slug_words) for _ in range(self.rng.randint(lo, hi)))

    def variant(self, name: str) -> str:
        """A spelling variant with diacritics, as transliterations differ."""
        chars = list(name)
        idx = [i for i, c in enumerate(chars) if c in DIACRITIC]
        for i in self.rng.sample(idx, min(len(idx), self.rng.randint(1, 2))):
            chars[i] = DIACRITIC[chars[i]]
        return "".join(chars)


def _wrap(text: str, width: int = 88) -> str:
    lines, line = [], ""
    for w in text.split(" "):
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    lines.append(line)
    return "\n".join(lines)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    out = "".join(c if c.isalnum() else "-" for c in ascii_text)
    return "-".join(p for p in out.split("-") if p)[:60].strip("-")


# --- YAML as text -----------------------------------------------------------------


def q(value) -> str:
    """A scalar: strings double-quoted (JSON strings are valid YAML), numbers bare."""
    return str(value) if isinstance(value, int) else json.dumps(value, ensure_ascii=False)


# words of the names of armed groups and people in Arabic: every third actor has such a name (with
# the article, hamza on alef, taa marbuta and alef maqsura that search folds), every sixth as its native name
ARABIC_WORDS = ["الدولة", "الإسلامية", "جبهة", "هيئة", "تحرير", "الشام", "جيش", "الوطني", "لواء", "كتائب", "أنصار",
                "أحرار", "سرايا", "المصطفى", "الهدى", "حركة", "المقاومة", "الشعبية", "العزة", "الكرامة", "أبو",
                "البخاري", "إدلب", "حلب", "الفرقان", "النصرة", "الأمن", "العام", "آل", "مؤتة", "الفتح"]


_LETTERS = "بتثجحخدذرزسشصضطظعغفقكلمنوي"


def _arabic_name(i: int) -> str:
    """A word of the list, a word coined from `i` (with the article and taa marbuta: one actor's), and a third word for some."""
    coined = "ال" + "".join(_LETTERS[i // len(_LETTERS) ** k % len(_LETTERS)] for k in range(3)) + "ة"
    words = ARABIC_WORDS
    picked = [words[(i * 7 + 3) % len(words)], coined, words[(i // 3 * 11 + 1) % len(words)]]
    return " ".join(dict.fromkeys(picked[: 2 + i % 2]))


class Y:
    """A tiny YAML writer for the shapes of the brief format."""

    def __init__(self):
        self.lines: list[str] = []

    def field(self, ind: str, key: str, value) -> None:
        if value is None or value == [] or value == {}:
            return
        if isinstance(value, list):
            self.lines.append(f"{ind}{key}:")
            self.lines.extend(f"{ind}  - {q(v)}" for v in value)
        elif isinstance(value, dict):
            self.lines.append(f"{ind}{key}:")
            self.lines.extend(f"{ind}  {k}: {q(v)}" for k, v in value.items())
        else:
            self.lines.append(f"{ind}{key}: {q(value)}")

    def block(self, ind: str, key: str, text: str | None) -> None:
        if text is None:
            return
        self.lines.append(f"{ind}{key}: |")
        self.lines.extend(f"{ind}  {l}" if l else "" for l in text.split("\n"))

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


# --- dates --------------------------------------------------------------------------


def iso(d: date, rng: Random, precise: float = 0.7, month: float = 0.2) -> str:
    x = rng.random()
    if x < precise:
        return d.isoformat()
    if x < precise + month:
        return d.isoformat()[:7]
    return d.isoformat()[:4]


def clamp(d: date) -> date:
    return min(max(d, START), END)


# --- the corpus -----------------------------------------------------------------------

ACTOR_KINDS = ["person", "person", "organization", "armed-group", "armed-group", "state", "government-agency", "media", "other"]
SOURCE_KINDS = ["news-outlet", "news-outlet", "news-outlet", "official", "armed-group-media", "expert", "expert",
                "think-tank", "ngo", "social-media", "document", "other"]
RELATIONS = ["leads", "member-of", "part-of", "split-from", "allied-with", "hostile-to", "affiliated-with", "supports"]
GRADES = ["A", "B", "C", "D", "E", "F"]
GRADE_WEIGHTS = [5, 25, 35, 15, 8, 12]
CREDIBILITY_WEIGHTS = [10, 25, 30, 15, 5, 15]  # 1..6
RATINGS = ["CC", "C", "N", "I", "II", "NA"]
RATING_WEIGHTS = [10, 30, 30, 18, 9, 3]
LIKELIHOODS = ["almost-no-chance", "very-unlikely", "unlikely", "roughly-even-chance", "likely", "very-likely", "almost-certain"]
CONFIDENCES = ["low", "moderate", "high"]
RESTRICTED = ["green", "green", "amber", "amber", "amber+strict", "red", "draft", "draft"]


def pool_sizes(n: int) -> dict[str, int]:
    return {"actors": max(n // 5, 12), "sources": max(n // 10, 8), "questions": max(n // 20, 3)}


class Corpus:
    def __init__(self, n: int, seed: int, restricted: float):
        self.n = n
        self.rng = Random(seed)
        self.t = Text(self.rng)
        self.restricted = restricted
        sizes = pool_sizes(n)
        self.used_ids: dict[str, None] = {}
        self.files: dict[str, str] = {}  # path under briefs/ -> text, in writing order
        self.actor_ids: list[str] = []
        self.source_ids: list[str] = []
        self.source_kind: dict[str, str] = {}
        self.question_hyps: dict[str, list[str]] = {}
        self.public_claims: list[str] = []
        self.tags = [self.t.slug(1, 2) for _ in range(60)]
        self.authors = [f"{self.t.proper()} {self.t.proper()}" for _ in range(25)]
        self._actors(sizes["actors"])
        self._sources(sizes["sources"])
        self._questions(sizes["questions"])
        self.major = self.actor_ids[: min(10, len(self.actor_ids))]
        self.experts = [s for s in self.source_ids if self.source_kind[s] in ("expert", "think-tank")] or self.source_ids
        for i in range(1, n + 1):
            self._brief(i)

    # -- helpers
    def unique(self, base: str) -> str:
        base = base[:70].strip("-")
        candidate, k = base, 2
        while candidate in self.used_ids:
            candidate, k = f"{base}-{k}", k + 1
        self.used_ids[candidate] = None
        return candidate

    def pick(self, seq: list, lo: int, hi: int) -> list:
        return self.rng.sample(seq, min(len(seq), self.rng.randint(lo, hi)))

    def tag_list(self, lo: int, hi: int) -> list[str]:
        return list(dict.fromkeys(self.pick(self.tags, lo, hi)))

    # -- pools
    def _actor_name(self, kind: str) -> str:
        t, r = self.t, self.rng
        if kind == "person":
            return r.choice([f"{t.proper()} {t.proper()}", f"Abu {t.proper()} al-{t.proper()}", f"{t.proper()} al-{t.proper()}"])
        if kind == "armed-group":
            return f"{t.proper()} {r.choice(['Brigade', 'Front', 'Army', 'Movement', 'Battalion', 'Liberation Front', 'Islamic Front'])}"
        if kind == "organization":
            return f"{t.proper()} {r.choice(['Foundation', 'Council', 'Network', 'Company', 'Union', 'Committee'])}"
        if kind == "state":
            return r.choice([t.proper(), f"Republic of {t.proper()}"])
        if kind == "government-agency":
            return f"{t.proper()} {r.choice(['Intelligence Directorate', 'Ministry of Interior', 'Security Service', 'Border Guard'])}"
        if kind == "media":
            return f"{t.proper()} {r.choice(['Press', 'News', 'Media', 'TV', 'Agency'])}"
        return f"{t.proper()} {t.proper()}"

    def _actors(self, count: int) -> None:
        r = self.rng
        kinds, names = [], []
        for _ in range(count):
            kind = r.choice(ACTOR_KINDS)
            name = self._actor_name(kind)
            aid = self.unique(slugify(name))
            self.actor_ids.append(aid)
            kinds.append(kind)
            names.append(name)
        self._actor_data = list(zip(self.actor_ids, kinds, names))

    def _write_actors(self) -> None:
        r, t = self.rng, self.t
        for i, (aid, kind, name) in enumerate(self._actor_data):
            y = Y()
            y.field("", "name", name)
            y.field("", "kind", kind)
            aliases = []
            for _ in range(r.choice((0, 1, 1, 2, 3))):
                form = r.random()
                if form < 0.35:
                    aliases.append(t.variant(name))
                elif form < 0.6 and " " in name:
                    aliases.append("".join(w[0] for w in name.replace("-", " ").split()).upper())
                elif form < 0.8 and "al-" in name:
                    aliases.append(name.split("al-", 1)[1])
                else:
                    aliases.append(f"{t.proper()} {t.proper()}")
            arabic = _arabic_name(i)  # drawn from the actor's place, not the generator: the rest is as it was
            if i % 6 == 0:
                y.lines.append(f"native_name: {q({'name': arabic, 'lang': 'ar'})}")
            y.field("", "aliases", list(dict.fromkeys(a for a in aliases if a and a != name))
                    + ([{"name": arabic, "lang": "ar"}] if i % 3 == 0 and i % 6 else []))
            if r.random() < 0.8:
                y.block("", "description", t.markdown((1, 2), 0.1))
            rels = []
            for _ in range(r.choice((0, 1, 1, 2, 3))):
                other = r.choice(self.actor_ids)
                if other == aid:
                    continue
                rel = {"type": r.choice(RELATIONS), "actor": other}
                d = clamp(START + timedelta(days=r.randint(0, SPAN)))
                if r.random() < 0.5:
                    rel["since"] = iso(d, r, 0.3, 0.4)
                if r.random() < 0.2:
                    rel["until"] = iso(clamp(d + timedelta(days=r.randint(30, 900))), r, 0.3, 0.4)
                if r.random() < 0.4:
                    rel["note"] = t.sentence(6, 16)
                if r.random() < 0.2:
                    rel["source"] = r.choice(self.source_ids)
                rels.append(rel)
            if rels:
                y.lines.append("relations:")
                for rel in rels:
                    first = True
                    for k, v in rel.items():
                        y.lines.append(f"  {'- ' if first else '  '}{k}: {q(v)}")
                        first = False
            y.field("", "tags", self.tag_list(0, 3))
            self.files[f"actors/{aid}.yaml"] = y.text()

    def _sources(self, count: int) -> None:
        r, t = self.rng, self.t
        for i in range(count):
            kind = r.choice(SOURCE_KINDS)
            grade = GRADES[i] if i < len(GRADES) else r.choices(GRADES, weights=GRADE_WEIGHTS)[0]
            if kind in ("expert",):
                name = f"{t.proper()} {t.proper()}"
            elif kind == "think-tank":
                name = f"{t.proper()} {r.choice(['Institute', 'Centre for Strategic Studies', 'Policy Forum'])}"
            elif kind == "social-media":
                name = f"@{t.proper()}{r.randint(1, 999)}"
            elif kind == "document":
                name = f"{t.title()} (leaked document)"
            else:
                name = f"{t.proper()} {r.choice(['Times', 'Post', 'News', 'Press', 'Agency', 'Herald', 'Statements', 'Channel'])}"
            sid = self.unique(slugify(name) or f"source-{i}")
            self.source_ids.append(sid)
            self.source_kind[sid] = kind
            y = Y()
            y.field("", "name", name)
            y.field("", "kind", kind)
            y.field("", "reliability", grade)
            if r.random() < 0.6:
                y.block("", "reliability_note", t.markdown((1, 1), 0))
            if kind in ("expert", "think-tank"):
                y.field("", "affiliation", t.sentence(4, 9, punct=False))
            if kind in ("armed-group-media", "official") and r.random() < 0.7:
                y.field("", "actor", r.choice(self.actor_ids))
            if r.random() < 0.7:
                y.field("", "url", f"https://{slugify(name) or 'source'}.example.com/")
            y.field("", "country", t.proper() if r.random() < 0.6 else None)
            y.field("", "language", r.choice(["Arabic", "English", "Turkish", "French", "Kurdish", None]))
            if r.random() < 0.7:
                y.block("", "description", t.markdown((1, 2), 0.1))
            self.files[f"sources/{sid}.yaml"] = y.text()
        self._write_actors()  # actors may cite sources, so they are written once sources exist

    def _questions(self, count: int) -> None:
        r, t = self.rng, self.t
        for i in range(count):
            qid = self.unique(f"q-{t.slug(2, 4)}")
            y = Y()
            y.field("", "question", t.sentence(7, 16, punct=False) + "?")
            if r.random() < 0.8:
                y.block("", "context", t.markdown((1, 3), 0.2))
            y.lines.append("hypotheses:")
            hyps = []
            for _ in range(r.choice((3, 4))):
                hid = self.unique(f"h-{t.slug(2, 4)}")
                hyps.append(hid)
                y.lines.append(f"  - id: {q(hid)}")
                y.lines.append(f"    statement: {q(t.sentence(10, 28))}")
            self.question_hyps[qid] = hyps
            self.files[f"questions/{qid}.yaml"] = y.text()

    # -- briefs
    def _cast(self) -> list[str]:
        r = self.rng
        cast = []
        for _ in range(r.randint(3, 8)):
            cast.append(r.choice(self.major) if r.random() < 0.2 else r.choice(self.actor_ids))
        return list(dict.fromkeys(cast))

    def _assessments(self, focus: list[str]) -> dict[str, str]:
        r = self.rng
        out = {}
        for qid in self.pick(focus, 1, 2):
            hyps = self.question_hyps[qid]
            skip = r.choice(hyps) if r.random() < 0.1 else None  # a gap in the matrix
            for h in hyps:
                if h != skip:
                    out[h] = r.choices(RATINGS, weights=RATING_WEIGHTS)[0]
        return out

    def _brief(self, i: int) -> None:
        r, t = self.rng, self.t
        bid = f"brief-{i:06d}"
        published = clamp(START + timedelta(days=int(SPAN * (i - 1 + r.random()) / self.n)))
        restricted = r.random() < self.restricted
        marking = r.choice(RESTRICTED) if restricted else "clear"
        cast = self._cast()
        focus = self.pick(list(self.question_hyps), 1, 3)
        brief_sources = self.pick(self.source_ids, 2, 6)

        y = Y()
        y.field("", "title", t.title())
        y.field("", "published", iso(published, r, 0.6, 0.3))
        if r.random() < 0.2:
            y.field("", "updated", clamp(published + timedelta(days=r.randint(1, 90))).isoformat())
        y.field("", "authors", list(dict.fromkeys(self.pick(self.authors, 1, 2))))
        y.field("", "tlp", "clear" if marking == "draft" else marking)
        y.field("", "status", "draft" if marking == "draft" else "published")
        summary = "**Bottom line up front**\n\n" + "\n".join(
            "- " + _wrap(t.sentence(12, 30)).replace("\n", "\n  ") for _ in range(r.randint(2, 4))
        ) + "\n\n" + _wrap(t.paragraph(1, 3))
        y.block("", "summary", summary)
        y.field("", "tags", self.tag_list(2, 6))

        claim_ids: list[str] = []
        y.lines.append("claims:")
        for j in range(1, r.randint(7, 13) + 1):
            cid = self.unique(f"{t.slug(2, 5)}-{i}-{j}")
            source = r.choice(brief_sources) if r.random() < 0.8 else r.choice(self.source_ids)
            reported = clamp(published - timedelta(days=r.randint(0, 150)))
            y.lines.append(f"  - id: {q(cid)}")
            ind = "    "
            y.field(ind, "statement", t.sentence(12, 34))
            y.field(ind, "source", source)
            y.field(ind, "via", [s for s in dict.fromkeys(self.pick(self.source_ids, 0, 2) if r.random() < 0.4 else []) if s != source])
            y.field(ind, "reported", iso(reported, r))
            if r.random() < 0.5:
                y.field(ind, "occurred", iso(clamp(reported - timedelta(days=r.randint(0, 60))), r, 0.6, 0.3))
            y.field(ind, "credibility", r.choices(range(1, 7), weights=CREDIBILITY_WEIGHTS)[0])
            y.field(ind, "actors", self.pick(cast, 1, 4))
            if r.random() < 0.5:
                y.field(ind, "location", r.choice(["near ", "outskirts of ", "", "countryside of "]) + t.proper())
            if r.random() < 0.25:
                y.field(ind, "quote", t.sentence(8, 24))
            if r.random() < 0.3:
                y.field(ind, "url", f"https://{source}.example.com/{reported.year}/{t.slug(3, 6)}")
            y.field(ind, "assessments", self._assessments(focus))
            for rel, chance in (("contradicts", 0.08), ("corroborates", 0.12)):
                if r.random() < chance:
                    if claim_ids and (r.random() < 0.5 or not self.public_claims):
                        target = r.choice(claim_ids)
                    elif self.public_claims:
                        target = r.choice(self.public_claims)
                    else:
                        continue
                    y.field(ind, rel, [target])
            y.field(ind, "tags", self.tag_list(0, 3))
            claim_ids.append(cid)

        analysis_ids: list[str] = []
        y.lines.append("analyses:")
        for j in range(1, r.randint(1, 3) + 1):
            aid = self.unique(f"analysis-{t.slug(1, 3)}-{i}-{j}")
            analyst = r.choice(self.experts) if r.random() < 0.8 else r.choice(self.source_ids)
            y.lines.append(f"  - id: {q(aid)}")
            ind = "    "
            y.field(ind, "analyst", analyst)
            y.field(ind, "via", [s for s in self.pick(self.source_ids, 0, 1) if s != analyst])
            if r.random() < 0.7:
                y.field(ind, "date", iso(clamp(published - timedelta(days=r.randint(0, 60))), r))
            y.field(ind, "title", t.title())
            y.block(ind, "summary", t.markdown((1, 2), 0.2))
            y.field(ind, "points", [t.inline() for _ in range(r.randint(0, 4))])
            y.field(ind, "actors", self.pick(cast, 1, 3))
            if r.random() < 0.7:
                y.field(ind, "credibility", r.choices(range(1, 7), weights=CREDIBILITY_WEIGHTS)[0])
            y.field(ind, "assessments", self._assessments(focus))
            if r.random() < 0.2:
                y.field(ind, "quote", t.sentence(8, 24))
            if r.random() < 0.3:
                y.field(ind, "url", f"https://{analyst}.example.com/analysis/{t.slug(3, 5)}")
            y.field(ind, "tags", self.tag_list(0, 2))
            analysis_ids.append(aid)

        y.lines.append("judgments:")
        evidence = claim_ids + analysis_ids
        focus_hyps = [h for qid in focus for h in self.question_hyps[qid]]
        for j in range(1, r.randint(1, 3) + 1):
            jid = self.unique(f"kj-{t.slug(2, 4)}-{i}-{j}")
            basis = self.pick(evidence, 1, 4)
            if self.public_claims and r.random() < 0.1:
                basis.append(r.choice(self.public_claims))
            y.lines.append(f"  - id: {q(jid)}")
            ind = "    "
            y.field(ind, "statement", t.sentence(12, 30))
            y.field(ind, "likelihood", r.choice(LIKELIHOODS))
            y.field(ind, "confidence", r.choices(CONFIDENCES, weights=[4, 4, 2])[0])
            y.field(ind, "basis", list(dict.fromkeys(basis)))
            if r.random() < 0.7:
                y.field(ind, "hypothesis", r.choice(focus_hyps))

        if marking == "clear":  # only published briefs may be referenced by others
            self.public_claims.extend(claim_ids)
        year = published.year
        self.files[f"{year}/{bid}.yaml"] = y.text()


def copy_project_files(out: Path, source: Path = REPO) -> None:
    """mkdocs.yml, templates/ and site_config/ as they are in `source` (the repository) now."""
    out.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        src, dst = source / part, out / part
        if src.is_dir():
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)


def params(n: int, seed: int, restricted: float, git_commits: int = 0) -> dict:
    out = {"n": n, "seed": seed, "restricted": restricted, "format": FORMAT_VERSION}
    return out | ({"git_commits": git_commits} if git_commits else {})  # without git, the marker as it always was


def is_complete(out: Path, n: int, seed: int, restricted: float, git_commits: int = 0) -> bool:
    try:
        marker = json.loads((out / MARKER).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    if git_commits and not (out / ".git").is_dir():
        return False
    wanted = params(n, seed, restricted, git_commits)
    return {k: marker.get(k) for k in ("n", "seed", "restricted", "format", "git_commits") if k in marker or k in wanted} == wanted


def generate(n: int, out: Path, seed: int = 1, restricted: float = 0.05, git_commits: int = 0) -> dict:
    """Write the project at `out`; return a summary (also stored in the marker file). With
    `git_commits`, the project is a git repository with that many commits (`write_git_history`)."""
    if n < 1:
        raise ValueError("N must be at least 1")
    started = time.perf_counter()
    corpus = Corpus(n, seed, restricted)
    copy_project_files(out)
    (out / MARKER).unlink(missing_ok=True)
    briefs = out / "briefs"
    shutil.rmtree(briefs, ignore_errors=True)
    total = 0
    made: set[Path] = set()
    for rel, text in corpus.files.items():
        path = briefs / rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        data = text.encode("utf-8")
        path.write_bytes(data)
        total += len(data)
    shutil.rmtree(out / ".git", ignore_errors=True)
    history = write_git_history(out, git_commits, seed) if git_commits else None
    summary = {
        **params(n, seed, restricted, git_commits),
        "files": len(corpus.files),
        "bytes": total,
        "actors": len(corpus.actor_ids),
        "sources": len(corpus.source_ids),
        "questions": len(corpus.question_hyps),
        "public_claims": len(corpus.public_claims),
    }
    (out / MARKER).write_text(json.dumps(summary, indent=2) + "\n", "utf-8")  # no timing: byte-identical output
    return {**summary, "seconds": round(time.perf_counter() - started, 3)} | ({"git_seconds": history["seconds"]} if history else {})


# --- a git history of the corpus ----------------------------------------------------------

GIT_SECTIONS = ("claims", "analyses", "judgments")
GIT_AUTHORS = [("Analyst One", "one@analysts.example.org"), ("Analyst Two", "two@analysts.example.org"),
               ("Analyst Three", "three@analysts.example.org"), ("Desk Editor", "desk@analysts.example.org")]
GIT_START = 1420113600  # 2015-01-01T12:00:00Z: the first commit; the others follow, a few a day, up to GIT_END
GIT_END = 1735646400  # 2024-12-31T12:00:00Z
CHANGE_NOTES = ["New imagery placed the unit at the site.", "A second source corroborated the report.",
                "The group's own channel denied it; the denial is weighed as self-serving.",
                "Reporting since the last version contradicts the earlier account.",
                "Held: nothing reported since changes the balance of evidence.",
                "The **only** source for the earlier rating was withdrawn by its outlet."]


class _Version:
    """A brief's text as the synthetic corpus writes it, cut into its head and its items, to edit."""

    def __init__(self, text: str):
        self.head: list[str] = []
        self.items: dict[str, list[str]] = {}  # section -> item blocks ("  - id: ..." and its lines)
        section = None
        for line in text.split("\n")[:-1]:
            if line.rstrip(":") in GIT_SECTIONS and line.endswith(":"):
                section = line[:-1]
                self.items[section] = []
            elif section is None:
                self.head.append(line)
            elif line.startswith("  - "):
                self.items[section].append(line)
            else:
                self.items[section][-1] += "\n" + line

    def copy(self) -> _Version:
        out = _Version.__new__(_Version)
        out.head, out.items = list(self.head), {k: list(v) for k, v in self.items.items()}
        return out

    def text(self) -> str:
        parts = self.head[:]
        for section, blocks in self.items.items():
            parts.append(f"{section}:")
            parts.extend(blocks)
        return "\n".join(parts) + "\n"


def _field(block: str, key: str) -> str | None:
    for line in block.split("\n"):
        if line.startswith(f"    {key}: ") or line.startswith(f"  - {key}: "):
            return json.loads(line.split(": ", 1)[1])
    return None


def _set_field(block: str, key: str, value: str) -> str:
    lines = block.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(f"    {key}: "):
            lines[i] = f"    {key}: {q(value)}"
    return "\n".join(lines)


def _older(rng: Random, t: Text, newer: _Version, final: bool, cleared: set[int], brief: int) -> tuple[_Version, str]:
    """The version before `newer` and what the commit from it to `newer` did, as its message says.
    `newer` may gain a change_note for the move (not the final version: it is the corpus as generated)."""
    older = newer.copy()
    judgments, claims = older.items.get("judgments", []), older.items.get("claims", [])
    x = rng.random()
    if x < 0.5 and judgments:  # a judgment's likelihood or confidence raised or lowered
        j = rng.randrange(len(judgments))
        key, scale = ("likelihood", LIKELIHOODS) if rng.random() < 0.7 else ("confidence", CONFIDENCES)
        now = scale.index(_field(judgments[j], key))
        was = now + rng.choice([d for d in (-1, 1) if 0 <= now + d < len(scale)])
        judgments[j] = _set_field(judgments[j], key, scale[was])
        note = ""
        if not final and rng.random() < 0.35 and "change_note:" not in newer.items["judgments"][j]:
            lines = newer.items["judgments"][j].split("\n")
            at = next(i for i, line in enumerate(lines) if line.startswith("    confidence: ")) + 1
            newer.items["judgments"][j] = "\n".join(lines[:at] + [f"    change_note: {q(rng.choice(CHANGE_NOTES))}"] + lines[at:])
            note = ", with a note"
        lines = [line for line in judgments[j].split("\n") if not line.startswith("    change_note: ")]
        judgments[j] = "\n".join(lines)
        verb = "raise" if was < now else "lower"
        return older, f"{verb.capitalize()} the {key} of {_field(judgments[j], 'id')}{note}"
    if x < 0.65 and len(claims) > 1:  # a claim added
        c = rng.randrange(1, len(claims))
        cid = _field(claims.pop(c), "id")
        return older, f"Add claim {cid}"
    if x < 0.75 and claims:  # a claim withdrawn: the older version held one more
        c = rng.randrange(len(claims))
        cid = f"{_field(claims[c], 'id')}-w{rng.randrange(10 ** 6)}"
        block = claims[c].split("\n")
        block[0] = f"  - id: {q(cid)}"
        claims.insert(c + 1, _set_field("\n".join(block), "statement", t.sentence(12, 34)))
        return older, f"Withdraw claim {cid}"
    if x < 0.8 and brief not in cleared and 'tlp: "clear"' in older.head and 'status: "published"' in older.head:
        cleared.add(brief)  # from here back, the brief was TLP:AMBER
        older.head[older.head.index('tlp: "clear"')] = 'tlp: "amber"'
        return older, "Clear for release: TLP:AMBER to TLP:CLEAR"
    section = rng.choice([s for s in ("claims", "judgments") if older.items.get(s)])  # wording
    blocks = older.items[section]
    b = rng.randrange(len(blocks))
    blocks[b] = _set_field(blocks[b], "statement", t.sentence(12, 30))
    return older, f"Reword {_field(blocks[b], 'id')}"


def write_git_history(out: Path, commits: int, seed: int = 1) -> dict:
    """Make the project at `out` (as `generate` wrote it) a git repository whose history has `commits`
    commits: the first adds every file, the others each change one to three briefs as analysts do
    (a judgment raised or lowered, sometimes with a change_note; a claim added or withdrawn; a
    statement reworded; a brief cleared from TLP:AMBER), with commit dates rising from 2015 to 2024,
    the last leaving the files as `generate` wrote them. Written with `git fast-import`, each brief's
    versions in a row so that they are stored as deltas of one another. Seeded: the same history
    for the same corpus, commits and seed."""
    if commits < 1:
        raise ValueError("a history has at least one commit")
    started = time.perf_counter()
    rng = Random(f"git-history-{seed}")
    t = Text(rng, 2000)
    shutil.rmtree(out / ".git", ignore_errors=True)
    files = sorted(p.relative_to(out).as_posix() for part in ("briefs", *PROJECT_PARTS) for p in
                   ([out / part] if (out / part).is_file() else (out / part).rglob("*")) if p.is_file())
    briefs = [f for f in files if f.startswith("briefs/") and Path(f).name.startswith("brief-")]
    hot = briefs[: max(1, len(briefs) // 10)]
    rng.shuffle(hot)
    plan: list[list[str]] = []  # each commit after the first: the briefs it changes
    for _ in range(commits - 1):
        k = rng.choices((1, 2, 3), weights=(80, 15, 5))[0]
        plan.append(sorted({rng.choice(hot) if rng.random() < 0.3 else rng.choice(briefs) for _ in range(k)}))
    edits = {b: 0 for b in briefs}
    for changed in plan:
        for b in changed:
            edits[b] += 1

    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True)
    proc = subprocess.Popen(["git", "-C", str(out), "fast-import", "--quiet", "--done"], stdin=subprocess.PIPE)
    stream = proc.stdin
    mark = 0

    def blob(data: bytes) -> int:
        nonlocal mark
        mark += 1
        stream.write(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(data), data))
        return mark

    marks: dict[str, list[int]] = {}  # file -> the marks of its versions, oldest first
    messages: dict[str, list[str]] = {}  # brief -> what each commit changing it did, oldest first
    cleared: set[int] = set()
    for i, f in enumerate(files):
        data = (out / f).read_bytes()
        if f not in edits or not edits[f]:
            marks[f] = [blob(data)]
            continue
        chain, said = [_Version(data.decode("utf-8"))], []
        for _ in range(edits[f]):
            older, message = _older(rng, t, chain[-1], len(chain) == 1, cleared, i)
            chain.append(older)
            said.append(message)
        texts = [data] + [v.text().encode("utf-8") for v in chain[1:]]
        marks[f] = [blob(x) for x in reversed(texts)]
        messages[f] = list(reversed(said))
    step = (GIT_END - GIT_START) / max(commits, 1)
    at = {f: 0 for f in files}

    def commit(n: int, message: str, changes: list[tuple[str, int]]) -> None:
        when = GIT_START + int(n * step) + rng.randrange(max(1, int(step) - 1))
        name, email = rng.choice(GIT_AUTHORS)
        msg = message.encode("utf-8")
        stream.write(b"commit refs/heads/main\nmark :%d\n" % (mark + 1 + n))
        for who in (b"author", b"committer"):
            stream.write(b"%s %s <%s> %d +0000\n" % (who, name.encode(), email.encode(), when))
        stream.write(b"data %d\n%s\n" % (len(msg), msg))
        if n:
            stream.write(b"from :%d\n" % (mark + n))
        stream.write(b"".join(b"M 100644 :%d %s\n" % (m, f.encode("utf-8")) for f, m in changes))
        stream.write(b"\n")

    commit(0, "Import the corpus", [(f, marks[f][0]) for f in files])
    for n, changed in enumerate(plan, 1):
        said = []
        for f in changed:
            at[f] += 1
            said.append(f"{Path(f).stem}: {messages[f][at[f] - 1]}")
        commit(n, "\n".join(said) if len(said) == 1 else f"Update {len(said)} briefs\n\n" + "\n".join(said),
               [(f, marks[f][at[f]]) for f in changed])
    stream.write(b"done\n")
    stream.close()
    if proc.wait() != 0:
        raise RuntimeError("git fast-import failed")
    subprocess.run(["git", "-C", str(out), "reset", "-q"], check=True)  # the index of the last commit
    return {"commits": commits, "versions": mark, "seconds": round(time.perf_counter() - started, 3)}
