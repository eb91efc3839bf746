"""The leak check: withheld text, however it is spelt, fails the build and leaves the old site."""

from __future__ import annotations

import json
import pickle
import shutil
import textwrap
import unicodedata
from pathlib import Path
from urllib.parse import quote

import ahocorasick
import pytest

from support import MINIMAL, Project
from test_build import _tree_digest

SUMMARY = ("Zéphyrine reports that the Quellmark cell moved its weapons depot to the abandoned cement works "
           "north of Sarmāda in early May.")
LOCATION = "Olive press warehouse behind the Kafr Takharim bakery"
POINT = "The Quellmark treasurer keeps ledgers in a flooded basement under the Harim grain silo."
CONTEXT = "Reporting suggests the cell rotates stockpiles between farms owned by relatives of its commander."

RESTRICTED = {
    "2024/secret.yaml": f"""
        title: Quarry network in Harim
        published: "2024-05"
        tlp: amber
        summary: {json.dumps(SUMMARY, ensure_ascii=False)}
        claims:
          - id: restricted-informant-report
            statement: A courier for the Quellmark cell crossed at Atmeh twice in April.
            source: daily-news
            reported: "2024-05"
            credibility: 2
            location: {LOCATION}
            actors: [alpha-group]
        analyses:
          - id: restricted-analysis
            analyst: daily-news
            title: What the depot move means
            summary: The move shows that the cell expects raids.
            points:
              - {POINT}
        """,
    "actors/lantern-network.yaml": """
        name: Obsidian Lantern Network
        native_name: {name: "الفانوسية", lang: ar}
        kind: armed-group
        aliases: [Kestrelwardi, {name: "قمراوي", lang: ar}]
        tlp: amber
        """,
    "sources/harbinger-desk.yaml": """
        name: Harbinger Signals Desk
        kind: other
        reliability: C
        tlp: red
        """,
    "questions/depot-question.yaml": f"""
        question: Where does the Quellmark cell keep its weapons?
        context: {CONTEXT}
        hypotheses:
          - {{id: h-depot-farms, statement: On farms along the valley.}}
          - {{id: h-depot-town, statement: Inside the town.}}
        tlp: amber
        """,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Project:
    """The small corpus with restricted items beside it, built once: a clean build passes the check."""
    project = Project(tmp_path_factory.mktemp("base") / "proj")
    for rel, text in {**MINIMAL, **RESTRICTED}.items():
        project.write(rel, text)
    r = project.run("build")
    assert r.code == 0, r.err
    return project


class _Copy(Project):
    def __init__(self, root: Path):
        self.root = root


@pytest.fixture
def copy(built, tmp_path) -> Project:
    """A copy of the built project (its site and build folder too), to change and build again."""
    shutil.copytree(built.root, tmp_path / "proj", symlinks=True)
    return _Copy(tmp_path / "proj")


def _publish_summary(project: Project, text: str) -> None:
    """Someone pastes `text` into the summary of the public brief."""
    brief = textwrap.dedent(MINIMAL["2024/first-brief.yaml"]).replace("summary: The **bottom line**.", f"summary: {json.dumps(text, ensure_ascii=False)}")
    (project.root / "briefs/2024/first-brief.yaml").write_text(brief, "utf-8")


def _fails_with_leak(project: Project, withheld: str) -> str:
    before = _tree_digest(project.root / "site")
    r = project.run("build")
    assert r.code == 1, r.out + r.err
    assert f"error: leak: withheld {withheld} appears in the output" in r.err, r.err
    assert _tree_digest(project.root / "site") == before
    return r.err


SECRET = "brief 'secret' (TLP:AMBER)"

PASTED = {
    "upper-cased": (SUMMARY.upper(), SECRET),
    "decomposed (NFD)": (unicodedata.normalize("NFD", SUMMARY), SECRET),
    "from character 20 on": (SUMMARY[20:], SECRET),
    "percent-encoded in a link": (f"See [the search](https://example.org/search?q={quote(SUMMARY)}).", SECRET),
    "with ** inside words": (SUMMARY.replace("weapons depot", "weap**ons dep**ot").replace("cement", "cem**en**t"), SECRET),
    "an actor's name": ("Analysts tie the raid to the Obsidian Lantern Network.", "actor 'lantern-network' (TLP:AMBER)"),
    "an actor's alias": ("Locals call the group Kestrelwardi.", "actor 'lantern-network' (TLP:AMBER)"),
    "an actor's native name": ("الغارة نفذتها الفانوسية.", "actor 'lantern-network' (TLP:AMBER)"),
    "an actor's alias in Arabic": ("يسميها السكان قمراوي.", "actor 'lantern-network' (TLP:AMBER)"),
    "a source's name": ("The Harbinger Signals Desk saw it first.", "source 'harbinger-desk' (TLP:RED)"),
    "a question's context": (CONTEXT, "question 'depot-question' (TLP:AMBER)"),
    "a claim's location": (f"Seen at the {LOCATION.lower()}.", SECRET),
    "an analysis point": (POINT, SECRET),
}


@pytest.mark.parametrize("name", PASTED)
def test_withheld_text_pasted_into_a_public_brief_fails_the_build(copy, name):
    text, withheld = PASTED[name]
    _publish_summary(copy, text)
    _fails_with_leak(copy, withheld)


def test_withheld_text_in_a_briefs_own_stix_bundle_fails_the_build(copy):
    """The brief's bundle (`/briefs/<id>/stix.json`) is read like every other file of the site."""
    _publish_summary(copy, "Analysts tie the raid to the Obsidian Lantern Network.")
    err = _fails_with_leak(copy, "actor 'lantern-network' (TLP:AMBER)")
    assert "briefs/first-brief/stix.json:" in err, err


def test_withheld_text_spelt_with_html_entities_fails_the_build(copy):
    # a hand-written page, where entities are the reader's letters; the page's search entry keeps only its start
    filler = "These notes collect what the team learned this year about the region, its towns and its roads. " * 4
    entities = SUMMARY.replace("é", "&eacute;").replace("ā", "&#257;").replace(" cell ", "&#32;cell&#x20;")
    (copy.root / "site_config/pages/notes.md").write_text(f"# Notes\n\n{filler}\n\n{entities}\n")
    _fails_with_leak(copy, SECRET)


def test_withheld_name_split_by_markup_is_found_in_the_search_index(copy):
    # the page's HTML holds "Kestrel", a tag, then "wardi"; Pagefind's fragment of the page holds the name
    (copy.root / "site_config/pages/notes.md").write_text('# Notes\n\nLocals say Kestrel<span class="k">wardi</span>.\n')
    err = _fails_with_leak(copy, "actor 'lantern-network' (TLP:AMBER)")
    assert "pagefind/fragment/" in err


def _cache_says(project: Project, rel: str, change) -> None:
    """Make the model cache hold `change(model)` for the file `rel` as it is now, its entry sealed as
    briefgen seals one, and drop the snapshot: the next build takes that model instead of reading the file."""
    from generator.build.cache import ModelCache
    from generator.build.sealed import checksum, write_sealed
    from generator.stages.load import file_digest

    cache = ModelCache(project.root / "build/.briefgen-cache")
    (cache.dir,) = (cache.root / "models").iterdir()  # the folder of the code that built it, whichever that is
    entry = cache.index()[rel]
    model = pickle.loads(cache._blob(entry))
    change(model)
    blob = pickle.dumps(model)
    with open(cache.dir / entry[2], "ab") as pack:
        offset = pack.tell()
        pack.write(blob)
    index = dict(cache.index())
    index[rel] = (file_digest(project.root / rel), checksum(blob), entry[2], offset, len(blob))
    with open(cache.dir / "index.pickle", "wb") as f:
        write_sealed(f, lambda out: pickle.dump(index, out))
    for snapshot in (project.root / "build/.briefgen-cache").glob("snapshot.*"):
        snapshot.unlink()


def test_a_damaged_model_cache_cannot_publish_a_restricted_brief(copy):
    """The model cache says the amber brief is clear: the corpus publishes it, and the check,
    which reads the file, still withholds it."""
    def clear(model):
        assert model.tlp == "amber"
        model.__dict__["tlp"] = "clear"

    _cache_says(copy, "briefs/2024/secret.yaml", clear)
    err = _fails_with_leak(copy, SECRET)
    assert "briefs/secret/index.html" in err


def test_a_file_the_check_cannot_read_fails_the_build(copy):
    """A stale cache stands in for a file that no longer parses: the check cannot tell what it withholds."""
    secret = copy.root / "briefs/2024/secret.yaml"
    secret.write_text(secret.read_text().replace("title: Quarry network in Harim", "title: [Quarry network"))
    _cache_says(copy, "briefs/2024/secret.yaml", lambda model: None)
    before = _tree_digest(copy.root / "site")
    r = copy.run("build")
    assert r.code == 1
    assert "briefs/2024/secret.yaml:2:10: error: leak check: YAML syntax" in r.err, r.err
    assert _tree_digest(copy.root / "site") == before


def test_a_whole_sites_check_in_forked_workers_finds_what_one_process_finds(built, tmp_path):
    """A cold build checks the site's files in parts, each in a forked worker: every part is read."""
    from generator.build import driver
    from generator.build.loading import forked_map
    from generator.config import Project as Generator
    from generator.site.leaks import LeakCheck

    site = tmp_path / "site"
    shutil.copytree(built.root / "site", site)
    pages = sorted(site.rglob("*.html"))
    for page in pages[::3]:
        page.write_text(page.read_text("utf-8") + f"<p>{SUMMARY}</p>", "utf-8")
    project = Generator(built.root)
    policy = driver.policy_for(project.settings())
    alone = LeakCheck(project, policy)(site)
    forked = LeakCheck(project, policy, map=forked_map)(site)
    assert forked == alone
    assert [p.path for p in forked] == sorted(p.relative_to(site).as_posix() for p in pages[::3])
    assert all(SECRET in p.message for p in forked)


def test_a_preview_keeps_what_each_file_adds_and_finds_what_a_fresh_check_finds(copy, monkeypatch):
    """A preview's builds run in one process: what each corpus file adds to the needles, and the searchers,
    are kept between them, and the next check looks for exactly what a fresh one would."""
    from generator.build import driver
    from generator.config import Project as Generator
    from generator.site import leaks

    project = Generator(copy.root)
    policy = driver.policy_for(project.settings())
    memo: dict = {}
    first = leaks.LeakCheck(project, policy, memo)
    first.key()
    secret = copy.root / "briefs/2024/secret.yaml"
    secret.write_text(secret.read_text("utf-8").replace("Olive press warehouse", "Pomegranate orchard storehouse"), "utf-8")
    worked_out = []
    adds = leaks._adds
    monkeypatch.setattr(leaks, "_adds", lambda facts: worked_out.append(facts[1]) or adds(facts))
    kept = leaks.LeakCheck(project, policy, memo)
    kept.key()
    assert worked_out == ["secret"]  # only the edited file's, the others' as the last check found them
    monkeypatch.setattr(leaks, "_ADDED", {})
    fresh = leaks.needles(project, policy)[0]
    assert set(kept.keyed.needles) == {n.strip().encode() for n in fresh if not leaks._window_shaped(n)}
    assert set(kept.windows.needles) == {n.strip().encode() for n in fresh if leaks._window_shaped(n)}
    assert any("pomegranate orchard storehouse" in needle for needle in fresh)
    assert not any("olive press warehouse" in needle for needle in fresh)
    # the digest hashes the needles in order: a check with the cache finds the fresh check's, in its order
    h = leaks.hashlib.blake2b(digest_size=16)
    for needle, meaning in fresh.items():
        h.update(f"{needle}\0{meaning.reason}\0{meaning.field}\0".encode())
    assert kept.digest == h.hexdigest() != first.digest
    again = leaks.LeakCheck(project, policy, memo)
    assert again.key() == kept.digest and again.keyed is kept.keyed  # nothing changed: taken as they are


# --- the scan: windows by hash, the other needles by the hash of a key -----------------------

from generator.site import leaks  # noqa: E402

# words of every kind the scan tells apart: long and short, beyond ASCII (a letter of two or three bytes,
# Arabic), numbers in ASCII and in Arabic-Indic digits, long numbers, words that start with a digit
_WORDS = ("depot", "cement", "works", "north", "quellmark", "courier", "treasurer", "ledgers", "basement",
          "informationally", "informationallx", "of", "the", "at", "in", "a", "é", "ça", "ééé", "éééé", "ñaño",
          "zéphyrine", "sarmāda", "الفانوسية", "قمراوي", "في", "٢٠٢٤", "١٢٣", "١٢٣٤٥", "۱۲۳۴", "12٣4", "2024", "123",
          "12345678", "123456789", "1234567890123456", "12345678901234567", "12345678x12345678", "3b6a8f", "12th", "1x34", "2024a",
          "/", "x", "ab", "abc")


def _text(r, n: int) -> str:
    return " ".join(r.choice(_WORDS) for _ in range(n))


def _reference(found: dict, chunks) -> str | None:
    """What the check found before the windows were hashed: one automaton over every needle."""
    automaton = ahocorasick.Automaton()
    for needle in found:
        automaton.add_word(needle, needle)
    if not found:
        return None
    automaton.make_automaton()
    search = None
    for chunk in chunks:
        text = "\0 " if chunk is leaks._BREAK else leaks.words(chunk)
        if not text:
            continue
        if search is None:
            search = automaton.iter(" " + text)
        else:
            search.set(text)
        for _, needle in search:
            return needle
    return None


_SLUG = [w for w in _WORDS if w != "/"]  # the words of ids, beyond ASCII too: a withheld file's ids are read unvalidated
_AROUND = ('"{}",', "({})", "{}.", "#{}", '<a href="../{}/">', "'{}'", "{}:", "/{}/", "{}", "{}")  # how they stand in a text
_NEARLY = (lambda x: x[:-1], lambda x: x + "x", lambda x: "x" + x, lambda x: x.upper(), lambda x: x.replace("-", "_"),
           lambda x: x.replace("/", " / "), lambda x: x[1:])


def _ids(r) -> dict[str, tuple[str, str]]:
    """Withheld ids, page addresses and web addresses, each with how it is written and what it is."""
    out = {}
    for _ in range(r.randint(0, 3)):
        slug = "-".join(r.choice(_SLUG) for _ in range(r.randint(1, 5)))
        if r.random() < 0.5:  # a shorter id is no needle, its page address is
            out[leaks._needle(slug)] = (slug, "id")
        out[leaks._needle(f"briefs/{slug}/")] = (f"briefs/{slug}/", "page address")
    for _ in range(r.randint(0, 3)):
        url = (f"https://{r.choice(_SLUG)}.example.com/{r.choice(['2021', 'analysis', 'a/b'])}/"
               + "-".join(r.choice(_SLUG) for _ in range(r.randint(0, 4))))
        out[leaks._needle(url)] = (url, "url")
    return {needle: value for needle, value in out.items() if needle}


def _case(r) -> tuple[dict, list]:
    """Withheld texts, names, ids and addresses, and an output that holds some of them (whole, in part,
    or nearly; ids and addresses with punctuation around them), in chunks split anywhere, with breaks
    between some."""
    withheld = [_text(r, r.randint(3, r.choice([8, 30]))) for _ in range(r.randint(1, 6))]
    names = [_text(r, r.randint(1, 3)) for _ in range(r.randint(0, 3))]
    ids = _ids(r)
    found = {}
    for text in withheld:
        found.update((w, leaks._Needle("brief 'x' (TLP:AMBER)", "summary")) for w in leaks._windows(text))
    for name in names:
        if len(leaks._needle(name).replace(" ", "")) >= leaks.MIN_NAME_LENGTH:
            found[leaks._needle(name)] = leaks._Needle("actor 'y' (TLP:AMBER)", "name")
    for needle, (_, field) in ids.items():
        found[needle] = leaks._Needle("brief 'x' (TLP:AMBER)", field)
    parts = []
    for _ in range(r.randint(1, 8)):
        pick = r.random()
        if pick < 0.25 and withheld:
            words = r.choice(withheld).split()
            i = r.randrange(len(words)) if r.random() < 0.7 else 0
            parts.append(" ".join(words[i:i + r.randint(1, 30)]))
        elif pick < 0.33 and names:
            parts.append(r.choice(names).upper())
        elif pick < 0.45 and ids:
            written = r.choice(list(ids.values()))[0]
            if r.random() < 0.5:
                written = r.choice(_NEARLY)(written)
            parts.append(r.choice(_AROUND).format(written))
        else:
            parts.append(_text(r, r.randint(0, 40)))
    output = r.choice(["", " ", "\n"]).join(parts).encode()
    chunks = []
    while output:
        cut = r.randint(0, len(output))
        chunks.append(output[:cut].replace(b" ", r.choice([b" ", b"\n", b"  ", b"<br>"]), 1))
        if r.random() < 0.2:
            chunks.append(leaks._BREAK)
        output = output[cut:]
    return found, chunks


def test_the_scan_finds_what_one_automaton_over_every_needle_finds():
    r = __import__("random").Random(21)
    kinds = dict.fromkeys(["none", "window", "summary", "name", "id", "page address", "url"], 0)
    for _ in range(2000):
        found, chunks = _case(r)
        keyed, windows = leaks._searchers(found)
        hit = leaks._first_hit(keyed, windows, iter(chunks))
        expected = _reference(found, iter(chunks))
        assert (hit[0] if hit else None) == expected, (found, chunks)
        kinds["none" if expected is None else "window" if leaks._window_shaped(expected) else found[expected].field] += 1
    assert min(kinds.values()) > 40, kinds  # each outcome, often


def test_a_window_is_found_across_chunks_and_not_across_a_break():
    needle = leaks._needle("courier ledgers of the depot basement north works")
    found = {needle: leaks._Needle("brief 'x' (TLP:AMBER)", "summary")}
    keyed, windows = leaks._searchers(found)
    assert not keyed.needles and windows.needles
    text = b"a 2024 courier ledgers of the depot basement north works 2024"
    for cut in range(len(text)):
        chunks = [text[:cut], text[cut:]]
        expected = _reference(found, iter(chunks))
        assert expected == needle or text[cut - 1:cut + 1].strip() == text[cut - 1:cut + 1], cut  # but inside a word
        assert (leaks._first_hit(keyed, windows, iter(chunks)) or [None])[0] == expected, cut
        broken = [text[:cut], leaks._BREAK, text[cut:]]
        assert (leaks._first_hit(keyed, windows, iter(broken)) or [None])[0] == _reference(found, iter(broken)), cut


_KEYED = {  # needles that are no window, as they are written, each with what it is
    "ledger-courier-2024-3": "id", "briefs/sarmāda-depot/": "page address", "قمراوي-الفانوسية-12": "id",
    "https://kestrel.example.com/2021/courier-ledgers": "url", "Kestrelwardi": "name", "brief-000679": "id",
}


def test_ids_and_addresses_are_found_across_chunks_at_the_ends_and_beside_punctuation():
    """Each keyed needle, written as it is, with punctuation on either side or none, at the start and at the
    end of the text, cut into two chunks anywhere (inside a word and inside a character too): the scan finds
    what one automaton over every needle finds, and not across a break."""
    found = {leaks._needle(written): leaks._Needle("brief 'x' (TLP:AMBER)", field) for written, field in _KEYED.items()}
    keyed, windows = leaks._searchers(found)
    assert len(keyed.needles) == len(_KEYED) and not windows.needles
    filler = "a 2024 courier of the"
    for written in _KEYED:
        needle = leaks._needle(written)
        for text in (f"{written}", f"({written})", f'"id":"{written}",', f"{filler} /{written}/ {filler}",
                     f"{filler} {written}.", f"{written}: {filler}", f"{filler}{written}", f"{written}x {filler}"):
            data = text.encode()
            assert (leaks._first_hit(keyed, windows, iter([data])) or [None])[0] == _reference(found, iter([data])), text
            for cut in range(len(data) + 1):
                chunks = [data[:cut], data[cut:]]
                expected = _reference(found, iter(chunks))
                if text in (written, f"({written})") and (cut in (0, len(data)) or data[cut - 1:cut + 1].isascii()
                                                          and not data[cut - 1:cut + 1].isalnum()):
                    assert expected == needle, (text, cut)  # whole, whatever the cut between two words
                assert (leaks._first_hit(keyed, windows, iter(chunks)) or [None])[0] == expected, (text, cut)
                broken = [data[:cut], leaks._BREAK, data[cut:]]
                assert (leaks._first_hit(keyed, windows, iter(broken)) or [None])[0] == _reference(found, iter(broken)), (text, cut)


def test_a_key_is_the_run_of_its_needles_words_the_withheld_text_uses_least():
    """A web address is keyed on its path, not on "https / /" or its host, which many needles share: a key
    matches seldom where its needle is not."""
    urls = [f"https://news.example.com/2021/{slug}" for slug in ("courier-ledgers", "depot-basement", "quarry-harim")]
    found = {leaks._needle(url): leaks._Needle("brief 'x' (TLP:AMBER)", "url") for url in urls}
    keyed, _ = leaks._searchers(found)
    assert keyed.sizes == [leaks.KEY]
    places = sorted(place for entries in keyed.keys.values() for _, place, _, _ in entries)
    assert places == [8, 8, 8]  # "/ courier ledgers": the address's last words, its own


def test_a_key_whose_hash_matches_is_compared_whole(monkeypatch):
    """Every word hashed alike: every run of the output matches every key, and only the needles are found."""
    monkeypatch.setattr(leaks, "_word_hashes", lambda words64, starts, ends: leaks.np.zeros(len(starts), dtype=leaks.np.uint64))
    found = {leaks._needle(written): leaks._Needle("brief 'x' (TLP:AMBER)", field) for written, field in _KEYED.items()}
    keyed, windows = leaks._searchers(found)
    assert len(keyed.keys) == 1  # one hash for every key
    other = b"ledger courier 2024 4, briefs/sarmada-depot/ https://kestrel.example.com/2021/courier kestrel wardi brief 000678"
    assert leaks._first_hit(keyed, windows, iter([other])) is None
    for written in _KEYED:
        hit = leaks._first_hit(keyed, windows, iter([other + b" " + written.encode() + b" " + other]))
        assert hit is not None and hit[0] == leaks._needle(written), written


def test_the_long_words_of_the_output_are_those_of_the_needles():
    """`_Windows._words` tells long words from short ones as `_long` does: by characters, numbers of any script short."""
    r = __import__("random").Random(5)
    for _ in range(300):
        text = leaks.words(_text(r, r.randint(1, 60)).encode())
        starts, ends, long = leaks._Windows._words(text.encode(), leaks._eights(text.encode()))
        assert list(long) == [i for i, word in enumerate(text.split()) if leaks._long(word)], text


def test_a_window_whose_hash_matches_is_compared_whole(monkeypatch):
    """A hash collision costs a comparison, never a false alarm; and the needle itself is still found."""
    monkeypatch.setattr(leaks._Windows, "_hashes", lambda self, data, starts, ends, long: leaks.np.zeros(max(0, len(long) - leaks.WORDS + 1), dtype=leaks.np.uint64))
    needle = leaks._needle("courier ledgers of the depot basement north works")
    found = {needle: leaks._Needle("brief 'x' (TLP:AMBER)", "summary")}
    keyed, windows = leaks._searchers(found)
    other = b"quellmark treasurer keeps ledgers in a flooded basement under the depot"
    assert windows.find(leaks._Text(leaks.words(other).encode())) is None
    assert leaks._first_hit(keyed, windows, iter([other])) is None
    hit = leaks._first_hit(keyed, windows, iter([other + b" courier ledgers of the depot basement north works"]))
    assert hit is not None and hit[0] == needle


def test_runs_of_spaces_are_one_space_however_long_the_text():
    """`_one_space` collapses spaces in numpy for a page and by a regular expression for a short text: alike."""
    r = __import__("random").Random(7)
    for size in (0, 1, 5, 4095, 4096, 4097, 20000):
        for _ in range(20):
            data = bytes(r.choice(b"  ab\xc3\xa9 ") for _ in range(size))
            data = r.choice([data, data.strip(b" "), b"   " + data + b"  "])
            assert leaks._one_space(data) == leaks._SPACES.sub(b" ", data), data
