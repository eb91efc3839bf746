"""Arabic folding for search: the rules, the same in Python (the indexed side) and in the site's search
script (the query side, run here in node), and the offline index's folded fields."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess

import pytest

from generator.output import folding
from generator.site import search
from support import REPO

SCRIPT = REPO / "site_config/pages/assets/briefgen-search.js"
NODE = shutil.which("node")

# spellings of one name a reader may type, each group folding to one form
VARIANTS = [
    ["الدولة الإسلامية", "دولة اسلامية", "الدوله الاسلاميه", "الدَّوْلَةُ الإِسْلامِيَّة", "الدولـــة الإسلامية"],
    ["هيئة تحرير الشام", "هيئه تحرير شام", "هيئة تحرير الشّام"],
    ["أثر برس", "اثر برس", "إثر برس", "آثر برس"],
    ["النهار", "نهار"],
    ["مستشفى", "مستشفي"],
    ["مصطفى", "مصطفي", "المصطفى"],
    ["للإعلام", "إعلام", "الاعلام", "والإعلام", "بالإعلام", "كالإعلام", "فالإعلام"],
    ["أحمد", "احمد", "ا\u0654حمد", "\ufe83\ufea3\ufee3\ufea9"],  # a hamza written apart; presentation forms
    ["ی", "ي", "ى"],
]


def _fold_js(texts: list[str]) -> list[str]:
    source = SCRIPT.read_text("utf-8")
    block = re.search(r"// folding: begin\n(.*?)// folding: end", source, re.S).group(1)
    program = block + "\nprocess.stdout.write(JSON.stringify(JSON.parse(require('fs').readFileSync(0, 'utf-8')).map(foldText)));\n"
    proc = subprocess.run([NODE, "-e", program], input=json.dumps(texts), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("group", VARIANTS, ids=lambda g: g[0])
def test_every_spelling_of_a_name_folds_to_one_form(group):
    assert len({folding.fold_text(text) for text in group}) == 1, [folding.fold_text(t) for t in group]


def test_what_folding_keeps():
    assert folding.fold_text("ISIS داعش Daesh") == "ISIS داعش Daesh"  # other scripts, and words it does not change
    assert folding.fold_text("ال") == "ال" and folding.fold_text("الف") == "الف"  # an article needs two letters after it
    assert folding.fold_text("١٢٣ ،؟") == "١٢٣ ،؟"  # digits and punctuation are no words
    assert folding.changed_words("الدولة داعش الإسلامية") == ["دوله", "اسلاميه"]


def test_the_search_script_holds_the_table_of_the_python_module():
    source = SCRIPT.read_text("utf-8")
    line = re.search(r"^  var ARABIC = (.*);$", source, re.M)
    expected = json.dumps(folding.ARABIC, separators=(", ", ": "))
    assert line and json.loads(line.group(1)) == folding.ARABIC, f"copy generator/output/folding.py's table: var ARABIC = {expected};"


def _random_texts(n: int) -> list[str]:
    rng = random.Random(20)
    letters = [chr(c) for lo, hi in folding.ARABIC["ranges"] for c in range(lo, hi + 1) if chr(c).isprintable()]
    special = list(folding.ARABIC["drop"]) + list(folding.ARABIC["map"]) + ["\u0627\u0644", "\u0644\u0644", "\u0648\u0627\u0644"] * 4
    other = [" ", " ", "-", "a", "É", "ß", "1", "\u0654", "\u0655", "\u200c"]
    return ["".join(rng.choice(rng.choice((letters, special, special, other))) for _ in range(rng.randint(1, 14))) for _ in range(n)]


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_search_script_folds_as_the_build_does():
    texts = [t for group in VARIANTS for t in group] + _random_texts(3000)
    assert _fold_js(texts) == [folding.fold_text(t) for t in texts]


def test_the_offline_index_holds_each_field_s_arabic_folded_weighed_alike():
    config = search.folded_config({"lang": ["en"], "fields": {"title": {"boost": 1000.0}, "text": {"boost": 1.0}, "tags": {"boost": 1e6}}})
    assert config["fields"]["title_folded"] == {"boost": 1000.0} and config["fields"]["tags_folded"] == {"boost": 1e6}
    docs = search.fold_docs([
        {"location": "actors/isis/", "title": "Islamic State", "text": "Native name: الدولة الإسلامية Also known as: داعش",
         "tags": ["الدولة الإسلامية", "داعش", "ISIS"]},
        {"location": "briefs/b/", "title": "الهيئة", "text": "Plain English."},
    ])
    assert docs[0]["text_folded"] == "دوله اسلاميه" and docs[0]["tags_folded"] == ["دوله", "اسلاميه"]
    assert "title_folded" not in docs[0]
    assert docs[1]["title_folded"] == "هيئه" and "text_folded" not in docs[1] and "tags_folded" not in docs[1]
