"""Authored Markdown fields: the shortcut for plain prose gives exactly what Python-Markdown gives."""

from __future__ import annotations

import time

import pytest
from hypothesis import example, given, settings, strategies as st

from generator.output import markup
from generator.output import mdscan


def python_markdown(text: str) -> str:
    """The converter itself, bypassing the shortcut."""
    markup._md.reset()
    return markup._md.convert(text)


# prose and the characters that could turn it into something else: list and heading markers,
# indentation, hard line breaks, emphasis, links, HTML, tables, fenced code, numbered lines
ALPHABET = "ab Zé9.1 \n\n-–,:;!?'\"()*_[]<>&#|`~=+\\\t"
# and mostly prose, so that most examples do take the shortcut
PROSE_ALPHABET = "ab Zé9.1  \n\n\n-–,:;!?'\"()"
texts = st.text(alphabet=ALPHABET, max_size=80) | st.text(alphabet=PROSE_ALPHABET, max_size=80)


# summaries as analysts write them: a line in bold, bullet lists, paragraphs; with the
# variations that change what Python-Markdown makes of them (indentation, markers, blank lines)
LINE_ALPHABET = "ab Zé9.1 -–,:;!?'\"()*"
lines = st.text(alphabet=LINE_ALPHABET, min_size=1, max_size=30)
shaped_blocks = st.one_of(
    lines.map(lambda t: f"**{t}**"),
    st.lists(st.tuples(st.sampled_from(["- ", "-", "* ", "1. ", " - ", "-  "]), lines,
                       st.lists(st.tuples(st.sampled_from(["  ", " ", "   ", "    ", "", "  * ", "* "]), lines), max_size=2)), min_size=1, max_size=4)
    .map(lambda items: "\n".join(m + t + "".join(f"\n{i}{c}" for i, c in more) for m, t, more in items)),
    st.lists(lines, min_size=1, max_size=3).map("\n".join),
)
# words, some in stars, with the punctuation and spacing around them that decides whether they are emphasis
word = st.text(alphabet="abZ9", min_size=1, max_size=5)
# links, with addresses the shortcut takes and others
links = st.tuples(
    st.lists(word, min_size=1, max_size=3), st.sampled_from([" ", "\n", " \n"]),
    st.sampled_from(["https://a.example/x-1", "http://b.example:8080/p?q=1", "https://c.example/a b", "ftp://d.example/",
                     "https://e.example/(x)", "https://f.example/%20", "javascript:alert(1)", "https://g.example/a@b"]),
    st.sampled_from(["", "*", " "]),
).map(lambda t: f"{t[3]}[{t[1].join(t[0])}]({t[2]}){t[3]}")
emphasis_piece = st.one_of(
    word, word.map(lambda w: f"*{w}*"), word.map(lambda w: f"**{w}**"),
    st.tuples(st.lists(word, min_size=2, max_size=3), st.sampled_from([" ", "\n"]), st.sampled_from(["*", "**"]))
    .map(lambda t: t[2] + t[1].join(t[0]) + t[2]),  # emphasis over words, and over lines
    st.sampled_from(["*", "**", "* ", " *", "(", ")", ".", ",", "**a**", "*a", "a*", "[", "]", "](", "[a]", "[sic]"]),
    links,
)
emphasis_words = st.lists(st.tuples(emphasis_piece, st.sampled_from([" ", " ", "", "\n", ". ", ", ", "  "])), min_size=1, max_size=8).map(
    lambda pieces: "".join(p + sep for p, sep in pieces))
linked = st.lists(st.tuples(st.one_of(links, word, st.sampled_from(["*a*", "**b**", "[sic]", "(", ")"])),
                            st.sampled_from([" ", "\n", "", ". "])), min_size=1, max_size=6).map(lambda ps: "".join(a + b for a, b in ps))
shaped = st.lists(st.tuples(shaped_blocks, st.sampled_from(["\n\n", "\n\n\n", "\n"])), min_size=1, max_size=4).map(
    lambda parts: "".join(b + sep for b, sep in parts))


@settings(max_examples=4000, deadline=None)
@given(texts | shaped | emphasis_words | emphasis_words.map(lambda t: "- " + t) | linked | linked.map(lambda t: "- " + t))
def test_the_shortcut_agrees_with_python_markdown_wherever_it_applies(text):
    shortcut = markup._simple_blocks(text)
    if shortcut is not None:
        assert shortcut == python_markdown(text)


BLUF = "**Bottom line up front**\n\n- One point\n  over two lines.\n- Another.\n\nA closing paragraph,\non two lines.\n"


def test_a_bottom_line_with_its_points_takes_the_shortcut_and_matches():
    assert markup._simple_blocks(BLUF) == python_markdown(BLUF)
    assert "<li>One point\n  over two lines.</li>" in markup._simple_blocks(BLUF)


REFERENCE = markup.converter(skip_plain_text=False)


def without_the_skip(text: str) -> str:
    REFERENCE.reset()
    return REFERENCE.convert(text)


# Markdown that reaches the inline patterns: lists, quotes, tables and code around text with and without inline syntax
blocks = st.lists(
    st.sampled_from(["- ", "* ", "1. ", "> ", "    ", "| a | b |\n|---|---|\n| ", "```\n", "", "", "**", "  "]).flatmap(
        lambda start: texts.map(lambda t: start + t)),
    max_size=5,
).map("\n".join)


@settings(max_examples=3000, deadline=None)
@given(texts | blocks)
def test_leaving_plain_text_alone_changes_no_output(text):
    """The converter skips the inline patterns on text none of them can match (`_SkipPlainText`)."""
    markup._md.reset()
    assert markup._md.convert(text) == without_the_skip(text)


# one of each inline pattern's first characters, alone in its text
ONE_PATTERN = ["a &amp; b", "a &#38; b", "a \\* b", "line  \nbreak", "a __b__", "a *b*", "x `c`", "<https://a.example/>",
               "<a@b.example>", "![i](https://a.example/i.png)", "[l](https://a.example/)", "- item with &copy;"]


@pytest.mark.parametrize("text", ONE_PATTERN)
def test_text_with_inline_syntax_is_still_converted(text):
    markup._md.reset()
    assert markup._md.convert(text) == without_the_skip(text)
    assert markup.md_block(text) == without_the_skip_block(text)


def without_the_skip_block(text: str) -> str:
    converter, markup._md = markup._md, REFERENCE
    try:
        return markup.md_block(text)
    finally:
        markup._md = converter


PROSE = [
    "HTS took Idleb in 2017.",
    "Two lines of a paragraph,\nkept as two lines.\n",
    "First paragraph.\n\nSecond one, after a blank line — with “quotes”, 40% and (asides)!\n",
    "The 2019 offensive: al-Sharaa’s men, 1.5 million displaced?\n\n\nAfter two blank lines.",
    "- a list item", "**bold**", "Lead-in:\n\n- first\n- second\n  continued\n\n**Then bold**",
    "See [the report](https://a.example/r-1) and [another\none](http://b.example/2?x).", "- a *list* item", "A **bold** word, **two words** and *one*",
    "Emphasis *over\ntwo lines*, a lone * star and **bold\ntoo**", "Words *in emphasis*, and *more*.\n*Starting* a line (and *ending* it)",
]
NOT_PROSE = [
    "- an item\n  * another, with a star as its marker", "A paragraph\n* and a star opening a line",
    "1. a numbered line", "Text\n2019. A year opening a line", "- a\n\n- loose list", "a*b*", "*a **b***", "**a *b* c**", "a_b", "[link](x)",
    "<b>html</b>", "a & b", "# heading", "| a | b |", "    indented code", "line  \nbreak", "~~~", "=", "",
    "\n\n", "tab\there",
]


@pytest.mark.parametrize("text", PROSE)
def test_plain_prose_takes_the_shortcut_and_matches(text):
    assert markup._simple_blocks(text) == python_markdown(text)


@pytest.mark.parametrize("text", NOT_PROSE)
def test_anything_with_markdown_syntax_goes_to_python_markdown(text):
    assert markup._simple_blocks(text) is None


def test_the_filters_give_the_same_html_either_way():
    text = "An analysis summary,\non two lines.\n\nAnd a second paragraph."
    shortcut = markup.md_block(text)
    markup_plain, markup._simple_blocks = markup._simple_blocks, lambda t: None
    try:
        assert markup.md_block(text) == shortcut
        assert markup.md_inline("One point.") == "<span>One point.</span>"
    finally:
        markup._simple_blocks = markup_plain
    assert markup.md_inline("One point.") == "<span>One point.</span>"


# --- links: decided on the address a browser follows --------------------------------------

# links to a script or to another host, spelled so that the address as written has no such
# scheme: character references, a tab or line break in the scheme, a backslash for a slash
SCRIPT_LINKS = [
    "[x](javascript&colon;alert&lpar;1&rpar;)", "[x](java&#115;cript&#58;alert(1))", "[x](java&#9;script:alert(1))",
    "[x](JaVa&#x53;cRiPt:alert(1))", "[x](&#106avascript:alert(1))", "[x](&NewLine;javascript:alert(1))",
    "[x](<java&#115;cript:alert(1)> \"t\")", "[x][r]\n\n[r]: java&#115;cript:alert(1)", "![a](java&#115;cript:alert(1))",
    "[x](&#x2F;&#x2F;evil.example/)", "[x](/\\evil.example/)",
]
# and spellings that were refused before the rule read the address as a browser does
REFUSED_BEFORE = ["<javascript://%0Aalert(1)>", "<ftp://a.example/>", "[x](data:text/html,hi)", "[x](java\\-script:alert(1))"]
# and links that keep their address, each with what it is written as in the page
SAFE_LINKS = [
    ("[r](https://a.example/r?a=1&b=2)", 'href="https://a.example/r?a=1&amp;b=2" rel="noopener nofollow"'),
    ("[m](mailto:desk@a.example)", 'href="mailto:desk@a.example"'), ("[j](#judgments)", 'href="#judgments"'),
    ("[up](../actors/)", 'href="../actors/"'), ("![i](https://a.example/i.png)", 'href="https://a.example/i.png" rel="noopener nofollow"'),
]


@pytest.mark.parametrize("link", SCRIPT_LINKS + REFUSED_BEFORE)
def test_a_link_to_a_script_or_another_host_loses_its_address_however_it_is_spelled(link):
    safe = " ".join(text for text, _ in SAFE_LINKS)
    for out in (markup.md_block(f"{safe}\n\n{link}"), markup.md_inline(f"{safe} {link}")):
        assert out.count("href=") == len(SAFE_LINKS), out
        for _, written in SAFE_LINKS:
            assert written in out


def test_a_pipe_in_a_link_cannot_end_a_table_cell():
    out = markup.md_inline('See [the report](https://a.example/a|b "x|y") | and [up](../a|b/).')
    assert "|" not in out
    assert 'href="https://a.example/a%7Cb"' in out and 'title="x&#124;y"' in out and 'href="../a%7Cb/"' in out
    assert markup.attr('a "title" | with a pipe') == "a &quot;title&quot; &#124; with a pipe"


# --- Python-Markdown's scans in linear time (generator/mdscan.py) ---------------------------

STOCK = markup.converter(linear_scans=False)


def stock(text: str) -> str:
    STOCK.reset()
    return STOCK.convert(text)


# the characters the replaced scans look for, and the block syntax around them
SCAN_ALPHABET = "[]()\"' `!<>*_\\\nab|-#~:=&"
scan_pieces = st.sampled_from([
    "[", "]", "(", ")", '"', "'", "`", "``", "```", "![", "](", "[a]", "[r]: /u", "\n\n", "\n", "  ", " ", "a", "b c", "x)",
    "(<a>", '"t"', "'t'", "\\", "*", "_", "~~~", "| a | b |\n|--|--|\n", "|a\n", "# h\n", "- ", "> ", "    ", "|", "---\n", "=\n",
    "***\n", "<http://a.b>", "<a@b.c>", "&amp;", "\\`", '[x](y "z")', "[a](", "\n```\n", "\n~~~a\n",
    "words " * 20,  # a scan longer than the ones done directly
])
hostile = st.text(alphabet=SCAN_ALPHABET, max_size=120) | st.lists(scan_pieces, max_size=80).map("".join)


@settings(max_examples=2000, deadline=None)
@given(hostile)
@example("-\n>|\n|\np")  # a table's test must not read the borders of the block tested before
def test_the_linear_scans_agree_with_python_markdown(text):
    markup._md.reset()
    assert markup._md.convert(text) == stock(text)


@settings(max_examples=2000, deadline=None)
@given(hostile)
def test_the_linear_scans_agree_with_python_markdown_when_they_use_their_tables(text):
    """As above, with the tables used for every scan (short scans are otherwise done directly)."""
    near, mdscan.NEAR = mdscan.NEAR, 0
    try:
        markup._md.reset()
        assert markup._md.convert(text) == stock(text)
    finally:
        mdscan.NEAR = near


def _seconds(text: str) -> float:
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        markup.md_block(text)
        best = min(best, time.perf_counter() - start)
    return best


# text that Python-Markdown took time growing with the square of its length to convert
QUADRATIC = ["[a](", "![a](", "[a][", '[a]("x)', "``a`", "![", "> [a](\n", "a\n# h\n", "a\n---\n", "```a\n", "a\n***\n", "a\n[r]: u\n"]


@pytest.mark.parametrize("unit", QUADRATIC)
def test_converting_hostile_markdown_takes_time_linear_in_its_length(unit):
    """Four times the text in at most six times the time, and half a second: what is left of
    Python-Markdown's own copying (see `markup.MARKDOWN_LIMIT`) stays within that up to the limit."""
    small = _seconds(unit * (16_000 // len(unit)))
    assert small < 2, f"{small:.2f} s for 16 KB"
    large = _seconds(unit * (64_000 // len(unit)))
    assert large < 6 * small + 0.5, f"{small:.2f} s for 16 KB, {large:.2f} s for 64 KB"
