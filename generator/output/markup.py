"""Author text to safe output: Markdown fields to HTML, plain fields to escaped text.

Raw HTML written by an author is shown as text, never executed; links may
only be web, mail or in-site links; images become links (a published page
must not load anything from an outside host); no attribute syntax is read.
The HTML produced here is embedded in the generated Markdown pages, so its
text is also protected against a second pass of Markdown.
"""

from __future__ import annotations

import html
import re
from xml.etree import ElementTree as etree

import markdown
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE, AtomicString

from generator.output import mdscan

SAFE_SCHEMES = {"http", "https", "mailto"}  # and links within the site, which have none

# Characters that a Markdown processor (with the extensions mkdocs-material
# sites enable) could read as syntax; as numeric entities they are plain text.
_MD_TABLE = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_{}[]|~^=:$"})
_TEXT_NODES = re.compile(r">([^<]+)<")
_LINE_START = re.compile(r"^(\s*)([#+\->]|\d+(?=\.))")


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


# What every inline pattern of this converter starts with (code, escapes, links and images,
# autolinks, entities, emphasis, hard line breaks): text without any of these is left as it is
_INLINE_SYNTAX = re.compile(r"[`\\\[!<&*_]|  \n")


class _SkipPlainText(Treeprocessor):
    """Marks text in which no inline pattern can match as atomic, before the inline processor runs.

    Python-Markdown tries each of its inline patterns on every text and tail of
    the tree, which was half the time of converting a summary; on text holding
    none of their first characters they all fail, so the text comes out as it went in.
    `AtomicString` is Python-Markdown's own way to say so. tests/test_markup.py
    compares the output with and without this step.
    """

    def run(self, root):
        for el in root.iter():
            if el.text and not isinstance(el.text, AtomicString) and not _INLINE_SYNTAX.search(el.text):
                el.text = AtomicString(el.text)
            if el.tail and not isinstance(el.tail, AtomicString) and not _INLINE_SYNTAX.search(el.tail):
                el.tail = AtomicString(el.tail)


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
    def __init__(self, skip_plain_text: bool = True, linear_scans: bool = True):
        super().__init__()
        self.skip_plain_text = skip_plain_text
        self.linear_scans = linear_scans

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        if self.linear_scans:
            _linear_scans(md)
        md.treeprocessors.register(_SafeLinks(md), "briefgen_safe_links", 0)
        if self.skip_plain_text:
            md.treeprocessors.register(_SkipPlainText(md), "briefgen_skip_plain_text", 25)  # the inline processor is 20


def converter(skip_plain_text: bool = True, linear_scans: bool = True) -> markdown.Markdown:
    """The Markdown converter of authored fields (without `skip_plain_text` or `linear_scans`: for the tests)."""
    return markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists", _Extension(skip_plain_text, linear_scans)], output_format="html")


_md = converter()


def _freeze(fragment: str) -> str:
    """Entity-escape Markdown syntax in the text between tags."""
    return _TEXT_NODES.sub(lambda m: ">" + m.group(1).translate(_MD_TABLE) + "<", fragment)


# Prose with nothing Python-Markdown reads as syntax: letters, digits, spaces, line breaks and
# punctuation that no block or inline pattern of this converter starts with (see `_simple_blocks`).
_PROSE = re.compile(r"(?:[^\W_]|[ \n,.;:?!'\"()/%@$\-–—‘’“”…])*")
_LIST_START = re.compile(r"^(?:-|\* |\d+\.)", re.M)
_PARAGRAPH_BREAK = re.compile(r"\n{2,}")
# what makes square brackets Markdown: a link or reference after the closing bracket, a
# reference definition, an image; without a definition, a bracketed word is left as it is
_BRACKET_SYNTAX = re.compile(r"\]\s*[(\[:]|!\[")
# a word or words in two stars or one, between spaces (or a line's ends) and punctuation
_STRONG = re.compile(r"(?<![^ \n])\*\*([^\s*](?:[^*]*[^\s*])?)\*\*(?=[ \n.,;:!?)]|$)")
_EMPHASIS = re.compile(r"(?<![^ \n])\*([^\s*](?:[^*]*[^\s*])?)\*(?=[ \n.,;:!?)]|$)")
_LONE_STAR = re.compile(r"(?<= )\*(?= )")  # a star between spaces is a star
# a web link in its plainest form: words (on at most two lines) and an address of letters, digits and . / : % ? @ -
_LINK = re.compile(r"\[([^\[\]*\n]+(?:\n[^\[\]*\n]+)?)\]\((https?://[A-Za-z0-9./:%?@\-]+)\)")


def _web_link(m: re.Match) -> str:
    """A link of `_LINK` as `_SafeLinks` leaves it; its address is a web one, so the rule of
    `link_scheme` gives it `WEB_REL`."""
    return f'<a href="{m.group(2)}" rel="{WEB_REL}">{m.group(1)}</a>'


def _inline_html(text: str) -> str | None:
    """Prose with web links, `**strong**` and `*emphasis*` in their plainest form as HTML
    (a link as `_SafeLinks` leaves it); None if any other star is left."""
    if "](" in text:
        text = _LINK.sub(_web_link, text)
    if "*" not in text:
        return text
    out = _EMPHASIS.sub(r"<em>\1</em>", _STRONG.sub(r"<strong>\1</strong>", text))
    return None if "*" in _LONE_STAR.sub("", out) else out


def _prose_line(line: str) -> bool:
    """A line of prose that starts no block: not indented, no trailing space (a line break),
    no list marker (`-`, `* `) or number and full stop at its start."""
    return bool(line) and line[0] != " " and line[-1] != " " and not _LIST_START.match(line)


def _list_items(block: str) -> list[str] | None:
    """The items of a tight bullet list of prose (`- ` items, continuation lines indented by two spaces)."""
    items: list[list[str]] = []
    for line in block.split("\n"):
        if line.startswith("- ") and _prose_line(line[2:]):
            items.append([line[2:]])
        elif items and line.startswith("  ") and _prose_line(line[2:]):
            items[-1].append(line)  # kept as written, indentation and all
        else:
            return None
    return ["\n".join(lines) for lines in items]


def _simple_blocks(text: str) -> str | None:
    """What Python-Markdown makes of prose in the shapes summaries are written in, without
    running its parser: paragraphs and tight bullet lists (`- ` items, continuation lines
    indented by two spaces) of prose, with words in `**bold**` or `*emphasis*` (a line such as
    `**Bottom line up front**`), web links (`[report](https://...)`) and square brackets that
    are not a link (`[sic]`); None when the text holds anything else. The parser was nearly
    half of a brief page's rendering in a profile. tests/test_markup.py checks this gives Python-Markdown's output for any text it accepts."""
    stripped = text.strip("\n")
    if not stripped or not _PROSE.fullmatch(stripped.replace("*", "").replace("[", "").replace("]", "")):
        return None
    if "[" in stripped and _BRACKET_SYNTAX.search(_LINK.sub("", stripped)):  # other links, images, references; else brackets are text ("[sic]")
        return None
    out = []
    after_list = False
    for block in _PARAGRAPH_BREAK.split(stripped):
        if block.startswith("- "):
            items = _list_items(block)
            if items is None or after_list:  # two lists a blank line apart are one loose list
                return None
            items = [_inline_html(item) for item in items]
            if None in items:
                return None
            out.append("<ul>\n" + "".join(f"<li>{item}</li>\n" for item in items) + "</ul>")
            after_list = True
            continue
        after_list = False
        if all(_prose_line(line) for line in block.split("\n")) and (paragraph := _inline_html(block)) is not None:
            out.append(f"<p>{paragraph}</p>")
        else:
            return None
    return "\n".join(out)


def _convert(text: str) -> str:
    simple_html = _simple_blocks(text)
    if simple_html is not None:
        return simple_html
    _md.reset()
    return _md.convert(text)


def md_block(text: str | None) -> str:
    """A Markdown field as an HTML block (a `div`) safe to embed in a Markdown page."""
    if not text:
        return ""
    body = _convert(text)
    # blank lines would end the raw HTML block in the page's Markdown
    body = re.sub(r"\n\s*\n", "\n", body)
    return f'<div class="bg-md">\n{_freeze(body)}\n</div>'


_ATTRIBUTE = re.compile(r'( [\w-]+)="([^"]*)"')


def _cell_safe_attribute(m: re.Match) -> str:
    name, value = m.groups()
    return f'{name}="{value.replace("|", "%7C" if name == " href" else "&#124;")}"'


def md_inline(text: str | None) -> str:
    """A short Markdown field as inline HTML on one line (for lists and table cells)."""
    if not text:
        return ""
    body = _convert(text).strip()
    if body.startswith("<p>") and body.endswith("</p>") and body.count("<p>") == 1:
        body = body[3:-4]
    inline = _freeze(f"<span>{body}</span>").replace("\n", " ")
    # a `|` left after `_freeze` is in an attribute, where it would still end a table cell
    return _ATTRIBUTE.sub(_cell_safe_attribute, inline) if "|" in inline else inline


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


def plain(text: str | None) -> str:
    """A plain-text field, escaped for HTML and Markdown alike, on one line."""
    if text is None:
        return ""
    escaped = html.escape(str(text), quote=False).translate(_MD_TABLE).replace("\n", " ").replace("\r", " ")
    # what would start a heading, list or quote at the start of a line
    return _LINE_START.sub(lambda m: m.group(1) + "".join(f"&#{ord(c)};" for c in m.group(2)), escaped, count=1)


def attr(text: str | None) -> str:
    """Text for an HTML attribute value (e.g. a tooltip); a `|` in it would end a table cell."""
    return html.escape(str(text or ""), quote=True).replace("|", "&#124;")


def html_text(text: str) -> str:
    """Text that mkdocs and its theme take as HTML and print as it is (a page's title): `& < >` as entities."""
    return html.escape(text, quote=False)


def html_text_or_attr(text: str) -> str:
    """Text the theme prints as it is both as HTML text and in double-quoted attributes (a page's description,
    the site's name): `& < > "` as entities; an apostrophe needs none there and is kept."""
    return html.escape(text, quote=False).replace('"', "&quot;")


def theme_setting(text: str) -> str:
    """A site setting handed to mkdocs (the site's name, description, copyright), escaped for the theme.

    mkdocs-material prints these as they are in text and attributes. It prints
    the site's name through `|e` once more only in the logo's `title`, whose
    text Material's tooltips (`content.tooltips`) insert as HTML: escaped
    twice there, the tooltip shows the name as written.
    """
    return html_text_or_attr(text)
