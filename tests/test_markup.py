"""Authored Markdown fields: converted in the contract's dialect, links refused however they are spelled."""

from __future__ import annotations

import time

import pytest
from hypothesis import example, given, settings, strategies as st

from generator.format import markdown, mdscan
from generator.output import markup


BLUF = "**Bottom line up front**\n\n- One point\n  over two lines.\n- Another.\n\nA closing paragraph,\non two lines.\n"


def test_a_bottom_line_with_its_points_becomes_one_html_block():
    out = markup.md_block(BLUF)
    assert out.startswith('<div class="bg-md">\n<p><strong>Bottom line up front</strong></p>\n<ul>')
    assert "<li>One point\n  over two lines.</li>" in out
    assert "\n\n" not in out  # a blank line would end the raw HTML block in the page


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

STOCK = markdown.converter(linear_scans=False)


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
    markdown._md.reset()
    assert markdown._md.convert(text) == stock(text)


@settings(max_examples=2000, deadline=None)
@given(hostile)
def test_the_linear_scans_agree_with_python_markdown_when_they_use_their_tables(text):
    """As above, with the tables used for every scan (short scans are otherwise done directly)."""
    near, mdscan.NEAR = mdscan.NEAR, 0
    try:
        markdown._md.reset()
        assert markdown._md.convert(text) == stock(text)
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
    Python-Markdown's own copying (see `markdown.MARKDOWN_LIMIT`) stays within that up to the limit."""
    small = _seconds(unit * (16_000 // len(unit)))
    assert small < 2, f"{small:.2f} s for 16 KB"
    large = _seconds(unit * (64_000 // len(unit)))
    assert large < 6 * small + 0.5, f"{small:.2f} s for 16 KB, {large:.2f} s for 64 KB"
