"""Names in their own language and script: `native_name` and `{name, lang}` aliases, validated, marked on
the pages with their language and direction, and carried by corpus.json and the STIX bundle."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.format import models, vocab
from generator.format.schema import schema
from support import minimal_project

NAMED_ACTOR = """
    name: Alpha Group
    native_name: {name: "جماعة ألفا", lang: ar}
    kind: armed-group
    aliases:
      - Alfa
      - {name: "الألفى", lang: ar}
      - {name: "Alfa Grubu", lang: tr}
      - {name: "گروه آلفا", lang: fa}
      - {name: "Alfa Qrupu", lang: az-Latn}
      - {name: "آلفا قروپو", lang: az-Arab}
    relations:
      - {type: hostile-to, actor: beta-state, since: "2020"}
    """
NAMED_SOURCE = """
    name: Daily News
    native_name: {name: "الأخبار اليومية", lang: ar-SY}
    aliases: ["The Daily", {name: "חדשות", lang: he}]
    kind: news-outlet
    reliability: B
    """


@pytest.fixture(scope="module")
def named_site(tmp_path_factory) -> Path:
    project = minimal_project(tmp_path_factory.mktemp("names") / "proj")
    project.write("actors/alpha-group.yaml", NAMED_ACTOR)
    project.write("sources/daily-news.yaml", NAMED_SOURCE)
    r = project.run("build")
    assert r.code == 0, r.err
    return project.root / "site"


# --- the language tag -------------------------------------------------------------

WELL_FORMED = ["ar", "AR", "fa", "he", "ur", "ckb", "ar-SY", "ar-Latn", "az-Arab", "az-Arab-IR", "zh-Hant-TW", "es-419",
               "ar-apc", "sl-rozaj-biske", "de-CH-1901", "en-US-u-ca-gregory", "x-private", "en-x-twain", "ar-arz-EG"]
MALFORMED = ["", "a", "arabic", "Arabic", "ar_SY", "ar-", "-ar", "ar--SY", "ar-S", "ar-Arabic-SY", "abcd", "ar SY",
             "1ar", "ar-SY-", "ar-x", "x", "x-", "ar-u", "ar-123456789", "عربي", " ar"]


def _accepted(tag: str) -> bool:
    try:
        models._check_language_tag(tag)
        return True
    except ValueError:
        return False


def test_well_formed_tags_are_accepted_and_malformed_refused():
    assert [t for t in WELL_FORMED if not _accepted(t)] == []
    assert [t for t in MALFORMED if _accepted(t)] == []


def test_the_editor_s_pattern_refuses_exactly_what_validate_refuses():
    for kind in ("actor", "source"):
        doc = schema(kind)
        patterns = {doc["$defs"]["NativeName"]["properties"]["lang"]["pattern"],
                    doc["$defs"]["Alias"]["anyOf"][1]["properties"]["lang"]["pattern"]}
        assert patterns == {models.LANGUAGE_TAG}, kind
    pattern = re.compile(models.LANGUAGE_TAG)
    for tag in WELL_FORMED + MALFORMED:
        assert bool(pattern.fullmatch(tag)) == _accepted(tag), tag


@pytest.mark.parametrize("tag,direction", [
    *[(code, "rtl") for code in ("ar", "fa", "he", "ur", "ps", "sd", "ug", "yi", "dv", "ckb")],
    ("AR", "rtl"), ("ar-SY", "rtl"), ("ar-apc", "rtl"), ("az-Arab", "rtl"), ("ku-Arab-IQ", "rtl"), ("pa-Arab", "rtl"),
    ("ar-Latn", None), ("fa-Latn", None), ("en", None), ("tr", None), ("ru", None), ("az", None), ("zh-Hant", None),
    ("x-arab", None), ("en-x-Arab", None), ("he-IL", "rtl"), ("yi-Hebr", "rtl"), ("en-Hebr", "rtl"),
])
def test_direction_comes_from_the_script_subtag_else_the_language(tag, direction):
    assert vocab.direction(tag) == direction


def test_every_rtl_language_is_a_well_formed_tag():
    assert all(_accepted(code) and code == code.lower() for code in vocab.RTL_LANGUAGES)
    assert all(len(s) == 4 and s == s.title() for s in vocab.RTL_SCRIPTS)


def test_a_malformed_language_tag_is_a_positioned_error(minimal):
    minimal.write("actors/beta-state.yaml", """
        name: Beta State
        native_name: {name: "دولة بيتا", lang: Arabic}
        kind: state
        aliases:
          - Beta
          - {name: "بيتا", lang: ar_SY}
          - {name: "Beta", lang: "en-"}
          - [Beta]
        """)
    minimal.write("sources/daily-news.yaml", 'name: Daily News\nkind: news-outlet\nreliability: B\nnative_name: {name: "الصحيفة"}\n')
    r = minimal.run("validate")
    assert r.code == 1
    hint = "is not a BCP 47 language tag: write a language code such as ar, fa or he, with a script or region if needed (az-Arab, ar-SY)"
    assert r.lines == [
        f"briefs/actors/beta-state.yaml:2:40: error: native_name.lang: 'Arabic' {hint} (did you mean 'ar'?)",
        f"briefs/actors/beta-state.yaml:6:26: error: aliases[1].lang: 'ar_SY' {hint} (did you mean 'ar-SY'?)",
        f"briefs/actors/beta-state.yaml:7:26: error: aliases[2].lang: 'en-' {hint}",
        "briefs/actors/beta-state.yaml:8:5: error: aliases[3]: an alias is a name (text), or {name, lang} for a name in another language",
        "briefs/sources/daily-news.yaml:4:14: error: missing required field 'lang' in native_name",
    ]
    r = minimal.run("build")
    assert r.code == 1 and len(r.lines) == 5


def test_plain_aliases_stay_valid_and_read_as_before(minimal):
    minimal.write("actors/alpha-group.yaml", NAMED_ACTOR)
    r = minimal.run("validate")
    assert r.code == 0, r.err
    actor = models.Actor.model_validate({"name": "A", "kind": "other", "aliases": ["B", 7, {"name": "ب", "lang": "ar"}]})
    assert [(a.name, a.lang) for a in actor.aliases] == [("B", None), ("7", None), ("ب", "ar")]
    assert actor.model_dump(mode="json", exclude_unset=True)["aliases"] == ["B", "7", {"name": "ب", "lang": "ar"}]


# --- the pages --------------------------------------------------------------------


def _marked(html: str) -> list[tuple[str, str | None, str]]:
    """(lang, dir, text) of every element with a lang attribute, in order."""
    out = []
    for m in re.finditer(r'<(\w+) lang="([^"]*)"(?: dir="([^"]*)")?>([^<]*)</\1>', html):
        out.append((m.group(2), m.group(3), m.group(4)))
    return out


def test_the_actor_page_marks_each_name_with_its_language_and_direction(named_site):
    page = (named_site / "actors/alpha-group/index.html").read_text("utf-8")
    assert _marked(page) == [
        ("ar", "rtl", "جماعة ألفا"),
        ("ar", "rtl", "الألفى"),
        ("tr", None, "Alfa Grubu"),
        ("fa", "rtl", "گروه آلفا"),
        ("az-Latn", None, "Alfa Qrupu"),
        ("az-Arab", "rtl", "آلفا قروپو"),
    ]
    native = re.search(r'<p class="bg-native-name"[^>]*>(.*?)</p>', page).group(1)
    assert native == '<strong>Native name:</strong> <span lang="ar" dir="rtl">جماعة ألفا</span>'
    # a plain alias is plain text, as before
    assert re.search(r'Also known as:</strong> Alfa · <span lang="ar"', page)
    # Latin spellings readers may type are shown; the folded Arabic ones (hamza, alef maqsura, taa
    # marbuta, the article) are indexed, not shown
    assert not re.search(r'<p class="bg-search-terms"[^>]*>[^<]*[\u0600-\u06ff]', page)
    folded = re.search(r'<p class="bg-folded" hidden[^>]*>(.*?)</p>', page).group(1)
    assert folded.split(", ") == ["جماعه فا", "الفي", "گروه فا", "فا قروپو"]


def test_the_source_page_and_the_actors_index_mark_names_too(named_site):
    source = (named_site / "sources/daily-news/index.html").read_text("utf-8")
    assert _marked(source) == [("ar-SY", "rtl", "الأخبار اليومية"), ("he", "rtl", "חדשות")]
    assert "Also known as:</strong> The Daily · " in source
    index = (named_site / "actors/index.html").read_text("utf-8")
    assert _marked(index)[:2] == [("ar", "rtl", "جماعة ألفا"), ("ar", "rtl", "الألفى")]
    # the page's own language stays English: only the names are marked
    assert '<html lang="en"' in source


def test_corpus_json_carries_native_names_and_aliases_with_their_language(named_site):
    corpus = json.loads((named_site / "data/corpus.json").read_text("utf-8"))
    alpha = next(a for a in corpus["actors"] if a["id"] == "alpha-group")
    assert alpha["native_name"] == {"name": "جماعة ألفا", "lang": "ar"}
    assert alpha["aliases"][:3] == ["Alfa", {"name": "الألفى", "lang": "ar"}, {"name": "Alfa Grubu", "lang": "tr"}]
    news = next(s for s in corpus["sources"] if s["id"] == "daily-news")
    assert news["native_name"] == {"name": "الأخبار اليومية", "lang": "ar-SY"}
    assert news["aliases"] == ["The Daily", {"name": "חדשות", "lang": "he"}]


def test_stix_gives_every_name_as_an_alias_and_the_languages_beside(named_site):
    objects = json.loads((named_site / "data/stix-bundle.json").read_text("utf-8"))["objects"]
    alpha = next(o for o in objects if o.get("x_briefgen_id") == "alpha-group")
    assert alpha["type"] == "threat-actor"
    assert alpha["aliases"] == ["جماعة ألفا", "Alfa", "الألفى", "Alfa Grubu", "گروه آلفا", "Alfa Qrupu", "آلفا قروپو"]
    assert alpha["x_briefgen_names"][:2] == [{"name": "جماعة ألفا", "lang": "ar"}, {"name": "الألفى", "lang": "ar"}]
    assert len(alpha["x_briefgen_names"]) == 6
    news = next(o for o in objects if o.get("x_briefgen_id") == "daily-news")
    assert news["x_briefgen_aliases"] == ["الأخبار اليومية", "The Daily", "חדשות"]
    assert news["x_briefgen_names"] == [{"name": "الأخبار اليومية", "lang": "ar-SY"}, {"name": "חדשות", "lang": "he"}]
