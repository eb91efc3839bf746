"""The Markdown of the contract: the dialect of Markdown fields, what their links may point to, their longest length.

Authors write Markdown fields in Python-Markdown's dialect with tables, fenced
code and sane lists. Raw HTML is shown as text, never executed; a link may
only lead to a web, mail or in-site address, decided on the address a browser
would follow (`link_scheme`); an image becomes a link (a published page loads
nothing from another host); no attribute syntax is read. Validation reports
every link the rule refuses (`refused_links`), so a published field never
loses one silently. Python-Markdown's scans that grow with the square of a
hostile text are replaced by linear ones (`mdscan`).
"""

from __future__ import annotations

import html
import re
from xml.etree import ElementTree as etree

import markdown
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE

from generator.format import mdscan

SAFE_SCHEMES = {"http", "https", "mailto"}  # and links within the site, which have none

# Python-Markdown's stand-ins in an attribute until it serialises it: a backslash-escaped
# character, and the `&` of the character references it writes an automatic mail link in
_ESCAPED_CHAR = re.compile("\x02(\\d+)\x03")
_TAB_AND_NEWLINES = str.maketrans("", "", "\t\n\r")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def link_target(url: str) -> str:
    """The address a browser follows for a link written as `url`: its character references decoded
    (all of them: named, with or without `;`, decimal and hex), then tab and line breaks removed and
    C0 controls and spaces stripped from both ends, as the WHATWG URL parser does."""
    url = _ESCAPED_CHAR.sub(lambda m: chr(int(m.group(1))), url.replace(AMP_SUBSTITUTE, "&"))
    return html.unescape(url).translate(_TAB_AND_NEWLINES).strip(_C0_AND_SPACE)


def link_scheme(url: str) -> str | None:
    """The scheme of the address a link to `url` leads to, in lower case ("" for a link within
    the site); None when the link may not be published (any other scheme, or another host
    written without one: `//host`, `\\\\host`)."""
    target = link_target(url)
    m = _SCHEME.match(target)
    if m:
        scheme = m.group(1).lower()
        return scheme if scheme in SAFE_SCHEMES else None
    return None if target[:2].replace("\\", "/") == "//" else ""


def safe_url(url: str) -> bool:
    return link_scheme(url) is not None


WEB_REL = "noopener nofollow"  # what every link to another site carries


class _SafeLinks(Treeprocessor):
    """Drops the address of every link it may not publish, and turns images into links.

    The addresses refused in the last conversion are in `refused` as (what, address) pairs,
    for validation to report."""

    refused: list[tuple[str, str]] = []

    def run(self, root):
        self.refused = []
        for parent in root.iter():
            for i, el in enumerate(list(parent)):
                if el.tag == "a":
                    href = el.get("href")
                    if href is None:
                        continue
                    scheme = link_scheme(href)
                    if scheme is None:
                        el.attrib.pop("href")
                        self.refused.append(("link", href))
                    elif scheme in ("http", "https"):
                        el.set("rel", WEB_REL)
                elif el.tag == "img":
                    link = etree.Element("a")
                    src = el.get("src", "")
                    if safe_url(src):
                        link.set("href", src)
                        link.set("rel", WEB_REL)
                    else:
                        self.refused.append(("image", src))
                    link.text = el.get("alt") or src
                    link.tail = el.tail
                    parent[i] = link


def _linear_scans(md: markdown.Markdown) -> None:
    """Python-Markdown's processors that walk to the end of the text from each opening
    character, replaced by ones that give the same results in linear time (`mdscan`);
    under their names and priorities."""
    md.treeprocessors.register(mdscan.LinearInline(md), "inline", 20)
    md.inlinePatterns.register(mdscan.BacktickProcessor(md.inlinePatterns["backtick"].pattern), "backtick", 190)
    for name, processor, priority in [
        ("reference", mdscan.ReferenceProcessor, 170), ("link", mdscan.LinkProcessor, 160),
        ("image_link", mdscan.ImageProcessor, 150), ("image_reference", mdscan.ImageReferenceProcessor, 140),
        ("short_reference", mdscan.ShortReferenceProcessor, 130), ("short_image_ref", mdscan.ShortImageReferenceProcessor, 125),
    ]:
        md.inlinePatterns.register(processor(md.inlinePatterns[name].pattern, md), name, priority)
    blocks = md.parser.blockprocessors
    blocks.register(mdscan.TableBlockProcessor(md.parser, blocks["table"].config), "table", 75)
    blocks.register(mdscan.SetextHeadingProcessor(md.parser), "setextheader", 60)
    blocks["hashheader"].RE = mdscan.LineSearch(blocks["hashheader"].RE, r"^#", at_newline=True)
    blocks["hr"].SEARCH_RE = mdscan.LineSearch(blocks["hr"].SEARCH_RE, r"^ {0,3}[-_*]")
    blocks["quote"].RE = mdscan.LineSearch(blocks["quote"].RE, r"^ {0,3}>", at_newline=True)
    blocks["reference"].RE = mdscan.LineSearch(blocks["reference"].RE, r"^ {0,3}\[")
    fences = md.preprocessors["fenced_code_block"]
    fences.FENCED_BLOCK_RE = mdscan.FenceSearch(fences.FENCED_BLOCK_RE)
    md.parser.parseChunk = mdscan.linear_parse_chunk(md.parser)


class _Extension(markdown.Extension):
    def __init__(self, linear_scans: bool = True):
        super().__init__()
        self.linear_scans = linear_scans

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        if self.linear_scans:
            _linear_scans(md)
        md.treeprocessors.register(_SafeLinks(md), "briefgen_safe_links", 0)


def converter(linear_scans: bool = True) -> markdown.Markdown:
    """The Markdown converter of authored fields (without `linear_scans`: Python-Markdown's own scans, for the tests)."""
    return markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists", _Extension(linear_scans)], output_format="html")


_md = converter()


# The longest Markdown field: Python-Markdown's inline processor copies the rest of a paragraph
# for each match it replaces, and its block processors the rest of a block for each line they
# use, so the time of a field full of syntax grows with the square of its length
MARKDOWN_LIMIT = 65_536

# What every link or image that `_SafeLinks` could refuse is written with: an address after `](`
# that does not start as a web or mail one, a reference definition, an automatic link with
# another scheme (an automatic mail link is always `mailto:`)
_OTHER_LINK = re.compile(r"\]\(\s*+(?!https?://|mailto:)|\]:|<(?!https?://)[a-z][a-z0-9+.\-]*://", re.I)


def refused_links(text: str) -> list[tuple[str, str]]:
    """The links and images of a Markdown field whose address may not be published, as
    (what, address) pairs: what `_SafeLinks` drops when the field is converted."""
    if not _OTHER_LINK.search(text):
        return []
    _md.reset()
    _md.convert(text)
    return _md.treeprocessors["briefgen_safe_links"].refused


def to_html(text: str) -> str:
    """A Markdown field as HTML."""
    _md.reset()
    return _md.convert(text)
