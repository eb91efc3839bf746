"""Author text to safe output: Markdown fields to HTML blocks, plain fields to escaped text.

Markdown fields are converted in the contract's dialect (`format.markdown`).
The HTML produced here is embedded in the generated Markdown pages, so its
text is also protected against a second pass of Markdown; plain fields are
escaped for HTML and Markdown alike, and for where the theme prints them.
"""

from __future__ import annotations

import html
import re

from generator.format.markdown import to_html

# Characters that a Markdown processor (with the extensions mkdocs-material
# sites enable) could read as syntax; as numeric entities they are plain text.
_MD_TABLE = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_{}[]|~^=:$"})
_TEXT_NODES = re.compile(r">([^<]+)<")
_LINE_START = re.compile(r"^(\s*)([#+\->]|\d+(?=\.))")


def _freeze(fragment: str) -> str:
    """Entity-escape Markdown syntax in the text between tags."""
    return _TEXT_NODES.sub(lambda m: ">" + m.group(1).translate(_MD_TABLE) + "<", fragment)



def md_block(text: str | None) -> str:
    """A Markdown field as an HTML block (a `div`) safe to embed in a Markdown page."""
    if not text:
        return ""
    body = to_html(text)
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
    body = to_html(text).strip()
    if body.startswith("<p>") and body.endswith("</p>") and body.count("<p>") == 1:
        body = body[3:-4]
    inline = _freeze(f"<span>{body}</span>").replace("\n", " ")
    # a `|` left after `_freeze` is in an attribute, where it would still end a table cell
    return _ATTRIBUTE.sub(_cell_safe_attribute, inline) if "|" in inline else inline


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
    text its header tooltips (`content.tooltips`) would insert as HTML; the
    site does not use them, and briefgen.js sets that title from the logo's
    label, so the browser's tooltip shows the name as written.
    """
    return html_text_or_attr(text)
