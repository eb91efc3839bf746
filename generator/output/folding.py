"""Search folding: the spellings of one word that a reader may type, made one, on both sides of search.

Arabic is written with letters that readers and keyboards interchange and
marks they mostly leave out, so search engines fold it before they compare
words. briefgen folds it as Lucene's Arabic analysis does
(`ArabicNormalizer`, and the article stripping of its light stemmer
`ArabicStemmer`):

- hamza and madda on alef (`أ إ آ`) -> bare alef `ا`;
- alef maqsura `ى` -> yeh `ي`; taa marbuta `ة` -> heh `ه`;
- the harakat (short vowels, tanwin, shadda, sukun) and tatweel `ـ` removed;
- the definite article `ال`, alone or after the conjunctions and prepositions
  that join it (`وال بال كال فال لل`), stripped from a word that keeps two
  letters or more after it;

and, as Lucene's Persian normalizer does, the Persian yeh `ی` and keheh `ک`
are Arabic yeh `ي` and kaf `ك` (Arabic typed on a Persian keyboard). Text is
in Unicode NFKC first, so presentation forms and a hamza written as a
separate mark fold too.

The table (`ARABIC`) is the one place these rules are written. The search
script of the site (`assets/briefgen-search.js`) folds what the reader types
with a copy of it and the same steps: tests/test_folding.py checks that the
copy is this table and that both fold every test word alike. The build folds
the indexed side: the names of actors and sources (`name_forms`, a hidden
paragraph of their pages that Pagefind indexes) and the offline lunr index
(`fold_text`, in fields of its own).
"""

from __future__ import annotations

import re
import unicodedata

ARABIC = {
    # what a word is: runs of Arabic letters and marks (code point ranges, inclusive)
    "ranges": [[0x0610, 0x061A], [0x0620, 0x065F], [0x066E, 0x06D3], [0x06D5, 0x06FF], [0x0750, 0x077F],
               [0x08A0, 0x08FF], [0xFB50, 0xFDFF], [0xFE70, 0xFEFC]],
    # removed: tatweel, then the harakat fathatan to sukun
    "drop": "\u0640\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652",
    # one letter for another
    "map": {
        "\u0622": "\u0627",  # alef with madda above -> alef
        "\u0623": "\u0627",  # alef with hamza above -> alef
        "\u0625": "\u0627",  # alef with hamza below -> alef
        "\u0649": "\u064a",  # alef maqsura -> yeh
        "\u0629": "\u0647",  # taa marbuta -> heh
        "\u06cc": "\u064a",  # Persian yeh -> yeh
        "\u06a9": "\u0643",  # keheh -> kaf
    },
    # the definite article with what joins it, longest first; stripped when `stem` letters or more remain
    "articles": ["\u0648\u0627\u0644", "\u0628\u0627\u0644", "\u0643\u0627\u0644", "\u0641\u0627\u0644",
                 "\u0644\u0644", "\u0627\u0644"],
    "stem": 2,
}

_WORD = re.compile("[" + "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in ARABIC["ranges"]) + "]+")
_TABLE = str.maketrans({**{c: None for c in ARABIC["drop"]}, **ARABIC["map"]})


def _fold_word(word: str) -> str:
    word = word.translate(_TABLE)
    for article in ARABIC["articles"]:
        if word.startswith(article) and len(word) >= len(article) + ARABIC["stem"]:
            return word[len(article):]
    return word


def _fold_run(m: re.Match) -> str:
    # NFKC may write a run as several words (a presentation-form ligature): each is folded
    return _WORD.sub(lambda w: _fold_word(w.group()), unicodedata.normalize("NFKC", m.group()))


def fold_text(text: str) -> str:
    """`text` with each Arabic word folded (`الدولة الإسلامية` -> `دوله اسلاميه`); other words as they are."""
    return _WORD.sub(_fold_run, text) if _WORD.search(text) else text


def has_arabic(text: str) -> bool:
    return _WORD.search(text) is not None


def name_forms(names: list[str]) -> list[str]:
    """The folded spellings of the names written in Arabic script that differ from what is written, in order."""
    written = set(names)
    forms: list[str] = []
    for name in names:
        form = fold_text(name)
        if form not in written and form not in forms:
            forms.append(form)
    return forms


def changed_words(text: str) -> list[str]:
    """The folded forms of the Arabic words of `text` that folding changes, each once, in order: what
    an index needs besides the text to find it by any spelling."""
    out: list[str] = []
    for m in _WORD.finditer(text):
        folded = _fold_run(m)
        if folded != m.group():
            out.extend(w for w in folded.split() if w not in out)
    return out
