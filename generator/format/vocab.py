"""Domain vocabularies of the brief format, in one place.

Every controlled value an author may write lives here with its reader-facing
label and, where the contract gives one, its number. The models validate
against these tables, the analysis computes with them and the templates read
their labels from them, so a wording change is made once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One controlled value: what authors write, what readers see."""

    code: str
    label: str
    weight: float | None = None  # number used in scoring, if any
    description: str = ""
    css: str = ""  # colour class of its badge

    @property
    def meaning(self) -> str:
        """The value explained in a line, for editors: its label, then its description."""
        label = self.label[:1].upper() + self.label[1:]
        return f"{label} — {self.description}" if self.description else label


def _table(*terms: Term) -> dict[str, Term]:
    return {t.code: t for t in terms}


# Admiralty source reliability (letter) and its ACH weight R.
RELIABILITY = _table(
    Term("A", "completely reliable", 1.0, "No doubt of authenticity, trustworthiness or competency; a history of complete reliability.", "g1"),
    Term("B", "usually reliable", 0.8, "Minor doubt; a history of valid information most of the time.", "g2"),
    Term("C", "fairly reliable", 0.6, "Doubt; has provided valid information in the past.", "g3"),
    Term("D", "not usually reliable", 0.4, "Significant doubt; has provided valid information in the past.", "g4"),
    Term("E", "unreliable", 0.2, "Lacking in authenticity, trustworthiness and competency; a history of invalid information.", "g5"),
    Term("F", "reliability cannot be judged", 0.5, "No basis exists for evaluating the reliability of the source.", "g6"),
)

# Admiralty information credibility (digit) and its ACH weight K.
CREDIBILITY = _table(
    Term("1", "confirmed by other sources", 1.0, "Confirmed by other independent sources; logical in itself; consistent with other information.", "g1"),
    Term("2", "probably true", 0.8, "Not confirmed; logical in itself; consistent with other information.", "g2"),
    Term("3", "possibly true", 0.6, "Not confirmed; reasonably logical in itself; agrees with some other information.", "g3"),
    Term("4", "doubtful", 0.4, "Not confirmed; possible but not logical; no other information on the subject.", "g4"),
    Term("5", "improbable", 0.2, "Not confirmed; not logical in itself; contradicted by other information.", "g5"),
    Term("6", "truth cannot be judged", 0.5, "No basis exists for evaluating the validity of the information.", "g6"),
)

# Estimative language (likelihood) with its probability range in percent.
LIKELIHOOD = _table(
    Term("almost-no-chance", "almost no chance", 1, "1–5%", "l1"),
    Term("very-unlikely", "very unlikely", 5, "5–20%", "l2"),
    Term("unlikely", "unlikely", 20, "20–45%", "l3"),
    Term("roughly-even-chance", "roughly even chance", 45, "45–55%", "l4"),
    Term("likely", "likely", 55, "55–80%", "l5"),
    Term("very-likely", "very likely", 80, "80–95%", "l6"),
    Term("almost-certain", "almost certain", 95, "95–99%", "l7"),
)

CONFIDENCE = _table(
    Term("low", "low confidence", 1, "Questionable or implausible information, fragmented evidence, or significant concerns about sources.", "c1"),
    Term("moderate", "moderate confidence", 2, "Credibly sourced and plausible information, but not of sufficient quality or corroboration for higher confidence.", "c2"),
    Term("high", "high confidence", 3, "High-quality information from multiple sources; the nature of the issue makes a solid judgment possible.", "c3"),
)

# ACH consistency ratings with their value; NA has none.
RATING = _table(
    Term("CC", "very consistent", 2, "The evidence strongly supports the hypothesis; counts nothing against it.", "r-cc"),
    Term("C", "consistent", 1, "The evidence supports the hypothesis; counts nothing against it.", "r-c"),
    Term("N", "neutral", 0, "The evidence neither supports nor weakens the hypothesis.", "r-n"),
    Term("I", "inconsistent", -1, "The evidence weakens the hypothesis; counts 1 against it.", "r-i"),
    Term("II", "very inconsistent", -2, "The evidence strongly weakens the hypothesis; counts 2 against it.", "r-ii"),
    Term("NA", "not applicable", None, "The evidence does not bear on the hypothesis; unlike leaving it out, not listed as a gap.", "r-na"),
)

# Traffic Light Protocol 2.0, in order of increasing restriction.
TLP = _table(
    Term("clear", "TLP:CLEAR", 0, "Recipients can spread this to the world; there is no limit on disclosure.", "tlp-clear"),
    Term("green", "TLP:GREEN", 1, "Recipients can spread this within their community, but not publicly.", "tlp-green"),
    Term("amber", "TLP:AMBER", 2, "Recipients can share this only on a need-to-know basis within their organization and its clients.", "tlp-amber"),
    Term("amber+strict", "TLP:AMBER+STRICT", 3, "Recipients can share this only within their organization.", "tlp-amber-strict"),
    Term("red", "TLP:RED", 4, "For the eyes and ears of individual recipients only, no further disclosure.", "tlp-red"),
)

STATUS = _table(
    Term("published", "published", description="Ready: on the site when its TLP is within the build's max_tlp."),
    Term("draft", "draft", description="Work in progress: left off the site unless the build is asked for drafts (drafts: true, --drafts)."),
)

# Where a claim's location comes from: what it says on the page, in the map's legend and in the exports.
LOCATION_BASIS = _table(
    Term("claimed", "claimed location", description="Where the source says it happened: the place the claim names (the default)."),
    Term("assessed", "assessed location", description="Where the brief's analysts place it: the source names no place this "
         "precise, or another one (geolocated from imagery, from other reporting, or the analysts' reading of a region)."),
)

ACTOR_KIND = _table(
    Term("person", "person", description="One named individual."),
    Term("organization", "organization", description="A company, party, movement or other body that is not armed, a state or media."),
    Term("armed-group", "armed group", description="A non-state group that uses armed force."),
    Term("state", "state", description="A country as an actor."),
    Term("government-agency", "government agency", description="A ministry, army, police or other body of a state."),
    Term("media", "media", description="A news outlet, channel or publisher as an actor."),
    Term("other", "other", description="Any other kind of actor."),
)

SOURCE_KIND = _table(
    Term("news-outlet", "news outlet", description="A newspaper, broadcaster, news agency or news site."),
    Term("official", "official", description="A government, army or other official statement or spokesperson."),
    Term("armed-group-media", "armed-group media", description="The channels and outlets of an armed group."),
    Term("expert", "expert", description="A named analyst, researcher or specialist."),
    Term("think-tank", "think tank", description="A research institute or policy organisation."),
    Term("ngo", "NGO", description="A non-governmental organisation: humanitarian, human rights, monitoring."),
    Term("social-media", "social media", description="An account or post on a social network or messaging channel."),
    Term("document", "document", description="A leaked, captured or published document."),
    Term("other", "other", description="Any other kind of source."),
)

# Relation types: the label read from the actor that holds the relation, and
# the label read from the other side.
@dataclass(frozen=True)
class RelationType:
    code: str
    label: str
    inverse: str

    @property
    def meaning(self) -> str:
        """The relation explained in a line, for editors."""
        return f"This actor is related to the one named in actor as \"{self.label}\"; that actor's page shows \"{self.inverse}\"."


RELATION = {
    r.code: r
    for r in (
        RelationType("leads", "leads", "led by"),
        RelationType("member-of", "member of", "has member"),
        RelationType("part-of", "part of", "has part"),
        RelationType("split-from", "split from", "splinter group"),
        RelationType("allied-with", "allied with", "allied with"),
        RelationType("hostile-to", "hostile to", "hostile to"),
        RelationType("affiliated-with", "affiliated with", "affiliated with"),
        RelationType("supports", "supports", "supported by"),
    )
}


# Languages whose default script is written right to left, by their BCP 47 primary language subtag,
# with their English name (a tag written as a name, `lang: Arabic`, is told its code). A tag's script
# subtag, when it has one, decides instead (`direction`): az-Arab is right to left, ar-Latn is not.
RTL_LANGUAGES = _table(
    Term("ar", "Arabic"), Term("fa", "Persian"), Term("he", "Hebrew"), Term("ur", "Urdu"),
    Term("ps", "Pashto"), Term("sd", "Sindhi"), Term("ug", "Uyghur"), Term("yi", "Yiddish"),
    Term("dv", "Dhivehi"), Term("ckb", "Central Kurdish"), Term("ks", "Kashmiri"), Term("prs", "Dari"),
    Term("pnb", "Western Punjabi"), Term("azb", "South Azerbaijani"), Term("bal", "Baluchi"),
    Term("sdh", "Southern Kurdish"), Term("lrc", "Northern Luri"), Term("mzn", "Mazanderani"),
    Term("glk", "Gilaki"), Term("arc", "Aramaic"), Term("syr", "Syriac"), Term("nqo", "N'Ko"),
    Term("iw", "Hebrew (former code)"), Term("ji", "Yiddish (former code)"),
    # Arabic varieties with codes of their own
    Term("arz", "Egyptian Arabic"), Term("apc", "Levantine Arabic"), Term("ajp", "South Levantine Arabic"),
    Term("acm", "Mesopotamian Arabic"), Term("afb", "Gulf Arabic"), Term("ars", "Najdi Arabic"),
    Term("acw", "Hijazi Arabic"), Term("ayl", "Libyan Arabic"), Term("apd", "Sudanese Arabic"),
    Term("ary", "Moroccan Arabic"), Term("arq", "Algerian Arabic"), Term("aeb", "Tunisian Arabic"),
)

# ISO 15924 scripts written right to left, as BCP 47 script subtags (title case, as the registry writes them).
RTL_SCRIPTS = frozenset({
    "Adlm", "Arab", "Aran", "Hebr", "Mand", "Mend", "Nkoo", "Rohg", "Samr", "Syrc", "Syre", "Syrj", "Syrn",
    "Thaa", "Yezi",
    # historic scripts
    "Armi", "Avst", "Chrs", "Cprt", "Elym", "Hatr", "Hung", "Khar", "Lydi", "Mani", "Narb", "Nbat", "Orkh",
    "Ougr", "Palm", "Phli", "Phlp", "Phnx", "Prti", "Sarb", "Sogd", "Sogo",
})


def direction(tag: str) -> str | None:
    """`rtl` for a BCP 47 tag written right to left (its script subtag if it has one, else its language's
    default script); None for one written left to right, which needs no mark in left-to-right text."""
    parts = tag.split("-")
    if len(parts[0]) == 1:  # private use (x-...): nothing is known of it
        return None
    for part in parts[1:]:
        if len(part) == 1:  # an extension or private use follows: no script subtag after it
            break
        if len(part) == 4 and part.isalpha():
            return "rtl" if part.title() in RTL_SCRIPTS else None
    return "rtl" if parts[0].lower() in RTL_LANGUAGES else None


def tlp_rank(code: str) -> int:
    return int(TLP[code].weight)


def admiralty_title(code: str) -> str:
    """Standard wording of an Admiralty code such as ``C3``."""
    return f"{RELIABILITY[code[0]].label} source, {CREDIBILITY[code[1:]].label}"


class Vocabularies(dict):
    """The vocabularies by name, as a mapping and as attributes (`vocab.rating` in a template
    finds its table at once: on a plain dict, Jinja2 tries the attribute first and fails)."""

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def vocabularies() -> Vocabularies:
    """Everything templates may look up, by name."""
    return Vocabularies(
        reliability=RELIABILITY,
        credibility=CREDIBILITY,
        likelihood=LIKELIHOOD,
        confidence=CONFIDENCE,
        rating=RATING,
        tlp=TLP,
        status=STATUS,
        location_basis=LOCATION_BASIS,
        actor_kind=ACTOR_KIND,
        source_kind=SOURCE_KIND,
        relation=RELATION,
    )

# The four kinds of corpus file. Each is kept as a table of the corpus under its plural,
# and the files of each entity kind in the folder of briefs/ of that name; a brief is any
# other file. On the site a question's page is under hypotheses/.
KINDS = ("actor", "source", "question", "brief")
PLURAL = {"actor": "actors", "source": "sources", "question": "questions", "brief": "briefs"}
ENTITY_FOLDERS = {PLURAL[kind]: kind for kind in ("actor", "source", "question")}  # folder of briefs/ -> kind
SITE_SECTION = {"actor": "actors", "source": "sources", "question": "hypotheses", "brief": "briefs"}

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
