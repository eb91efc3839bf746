"""Python-Markdown's scans of a text, in time linear in its length.

Several of Python-Markdown's processors look for the end of what a character
opens by walking to it: a link's text to its `]`, its address to its `)`, a
code span to its closing backticks, a fenced code block to its closing fence.
When there is none they walk to the end of the text, and they start again
from the next opening character, so that `[a](` repeated takes time that grows
with the square of its length. The classes here give the same results as the
ones they replace (the property tests in tests/test_markup.py compare them on
hostile text) from tables of the text's brackets, parentheses, quotes,
backtick runs and fences, built once for a text in one pass. The block
processors that use one line of a block and put back the rest had the same
trouble with blocks of many such lines (`LineSearch`, `SetextHeadingProcessor`,
`TableBlockProcessor`), and the block parser with many blocks (`Blocks`).

Python-Markdown's inline processor replaces each match with a placeholder
before it looks for the next one, which makes a new string each time; the part
after the placeholder is the part after the match, so positions in it counted
from the end do not change, and the tables of the string it came from still
hold for it (`_Derived`).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import cached_property

from markdown.blockparser import BlockParser
from markdown.blockprocessors import SetextHeaderProcessor
from markdown.extensions.tables import PIPE_LEFT, PIPE_NONE, PIPE_RIGHT, TableProcessor
from markdown.inlinepatterns import (
    BacktickInlineProcessor,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)
from markdown.treeprocessors import InlineProcessor

NEAR = 256  # how far the scans look the plain way before they use the tables


class _Tables:
    """Where the characters the scans look for are in one string (`text`); built as needed."""

    def __init__(self, text: str):
        self.text = text

    @cached_property
    def bracket_ends(self) -> dict[int, int]:
        """The position of the `]` that closes each `[` that has one."""
        ends, open_ = {}, []
        for m in re.finditer(r"[\[\]]", self.text):
            if m.group() == "[":
                open_.append(m.start())
            elif open_:
                ends[open_.pop()] = m.start()
        return ends

    @cached_property
    def parens(self) -> tuple[list[int], list[int], dict[int, list[int]]]:
        """The positions of `(` and `)`; the nesting level after each (opens minus closes from
        the start of the text); and for each level, which parentheses (by number) end at it."""
        positions, levels, at_level = [], [], {}
        level = 0
        for m in re.finditer(r"[()]", self.text):
            level += 1 if m.group() == "(" else -1
            at_level.setdefault(level, []).append(len(positions))
            positions.append(m.start())
            levels.append(level)
        return positions, levels, at_level

    def level_before(self, pos: int) -> int:
        positions, levels, _ = self.parens
        k = bisect_left(positions, pos)
        return levels[k - 1] if k else 0

    @cached_property
    def quotes(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {'"': [], "'": []}
        for m in re.finditer(r"[\"']", self.text):
            found[m.group()].append(m.start())
        return found

    @cached_property
    def quoted_closes(self) -> dict[str, tuple[list[int], list[int]]]:
        """For each quote, the `)` whose last character before it other than a space is that
        quote: the quotes' positions and the `)`s' positions, in order."""
        found: dict[str, tuple[list[int], list[int]]] = {'"': ([], []), "'": ([], [])}
        for m in re.finditer(r"([\"']) *\)", self.text):
            quote_pos, close_pos = found[m.group(1)]
            quote_pos.append(m.start())
            close_pos.append(m.end() - 1)
        return found

    @cached_property
    def tick_runs(self) -> tuple[list[int], list[int], dict[int, list[int]], list[tuple[int, int]]]:
        """Runs of backticks: their starts and lengths; for each length, which runs (by number)
        have it; and for each run, the longest run from it on (its length and first number)."""
        starts, lengths, by_length = [], [], {}
        for m in re.finditer(r"`+", self.text):
            by_length.setdefault(m.end() - m.start(), []).append(len(starts))
            starts.append(m.start())
            lengths.append(m.end() - m.start())
        longest: list[tuple[int, int]] = [(0, -1)] * (len(starts) + 1)
        for r in range(len(starts) - 1, -1, -1):
            longest[r] = (lengths[r], r) if lengths[r] >= longest[r + 1][0] else longest[r + 1]
        return starts, lengths, by_length, longest


class _Derived:
    """The tables that hold for strings derived from one, while an inline processor runs.

    `_KNOWN` maps a string's id to (the string, its tables, how long an end of it they hold
    for); `derive` records a string made from another by replacing something before `index`.
    """

    _KNOWN: dict[int, tuple[str, _Tables, int]] = {}

    @classmethod
    def tables(cls, text: str, start: int) -> tuple[_Tables, int]:
        """Tables that hold for `text` from `start` on, and what to add to a position in
        `text` to have it in theirs."""
        known = cls._KNOWN.get(id(text))
        if known is None or known[0] is not text or len(text) - start > known[2]:
            known = (text, _Tables(text), len(text))
            cls._KNOWN[id(text)] = known
        tables = known[1]
        return tables, len(tables.text) - len(text)

    @classmethod
    def derive(cls, old: str, new: str, index: int) -> None:
        known = cls._KNOWN.pop(id(old), None)
        if known is not None and known[0] is old:
            cls._KNOWN[id(new)] = (new, known[1], min(known[2], len(new) - index))

    @classmethod
    def clear(cls) -> None:
        cls._KNOWN.clear()


class LinearInline(InlineProcessor):
    """Python-Markdown's inline processor, telling `_Derived` of each string it makes."""

    # the private `__applyPattern` of the base class, which it calls by this name
    def _InlineProcessor__applyPattern(self, pattern, data, patternIndex, startIndex=0):
        new, matched, index = super()._InlineProcessor__applyPattern(pattern, data, patternIndex, startIndex)
        if new is not data:
            _Derived.derive(data, new, index)
        return new, matched, index

    def run(self, tree, ancestors=None):
        _Derived.clear()
        try:
            return super().run(tree, ancestors)
        finally:
            _Derived.clear()


_PAREN_OR_QUOTE = re.compile(r"[()\"']")
_TICKS = re.compile(r"`+")


class _LinearLink:
    """`getText` and `getLink` of Python-Markdown's link processors, from the tables."""

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:
        if not (0 < index <= len(data) and data[index - 1] == "["):
            return super().getText(data, index)
        end = data.find("]", index, index + NEAR)
        if end == -1 or data.find("[", index, end) != -1:
            tables, shift = _Derived.tables(data, index - 1)
            end = tables.bracket_ends.get(index - 1 + shift)
            if end is None:
                return "", len(data), False  # what the callers read of a failed scan is whether it failed
            end -= shift
        return data[index:end], end + 1, True

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:
        m = self.RE_LINK.match(data, pos=index)
        if not m or m.group(1):  # no address, or one in angle brackets: no walk
            return super().getLink(data, index)
        start = m.end()
        near = data.find(")", start, start + NEAR)
        if near != -1 and not _PAREN_OR_QUOTE.search(data, start, near):
            return super().getLink(data, index)  # closed by the first `)`: a short walk
        tables, shift = _Derived.tables(data, start)
        outcome = self._walk(tables, start + shift)
        if outcome is True:
            return super().getLink(data, index)  # it closes: the walk ends there
        if outcome is None:
            return "", None, len(data), False
        last_bracket = outcome - shift if outcome >= 0 else -1
        return self.unescape(data[start:last_bracket - 1]).strip(), None, last_bracket, True

    @staticmethod
    def _walk(tables: _Tables, start: int) -> bool | int | None:
        """Where the walk of the original `getLink` from `start` ends: True if it finds the
        closing `)`, None if it fails, else the `last_bracket` it falls back on.

        Until the first quote, it counts nesting and ends at the `)` that closes the link.
        From a quote on (a title, it assumes), only a `)` after another quote (the same one
        again, or the second of the other one) closes it; failing that, it goes back to
        where as many parentheses as were open at the quote have passed, if they have."""
        positions, levels, at_level = tables.parens
        k0 = bisect_left(positions, start)
        base = levels[k0 - 1] if k0 else 0
        closing = at_level.get(base - 1, [])
        c = bisect_left(closing, k0)
        close = positions[closing[c]] if c < len(closing) else None
        quotes = tables.quotes
        firsts = [q[i] for q in quotes.values() if (i := bisect_left(q, start)) < len(q)]
        if not firsts:
            return None if close is None else True
        q1 = min(firsts)
        if close is not None and close < q1:
            return True
        quote = tables.text[q1]
        other = '"' if quote == "'" else "'"
        quote_pos, _ = tables.quoted_closes[quote]
        if bisect_right(quote_pos, q1) < len(quote_pos):
            return True
        others = quotes[other]
        a = bisect_right(others, q1)
        if a + 1 < len(others):
            other_pos, _ = tables.quoted_closes[other]
            if bisect_left(other_pos, others[a + 1]) < len(other_pos):
                return True
        k1 = bisect_left(positions, q1)
        b = 1 + tables.level_before(q1) - base  # the parentheses open at the quote
        if k1 + b - 1 >= len(positions):
            return None
        k = k1 + b - 1
        return positions[k] + 1 if tables.text[positions[k]] == ")" else -1


class LinkProcessor(_LinearLink, LinkInlineProcessor):
    pass


class ImageProcessor(_LinearLink, ImageInlineProcessor):
    pass


class ReferenceProcessor(_LinearLink, ReferenceInlineProcessor):
    pass


class ImageReferenceProcessor(_LinearLink, ImageReferenceInlineProcessor):
    pass


class ShortReferenceProcessor(_LinearLink, ShortReferenceInlineProcessor):
    pass


class ShortImageReferenceProcessor(_LinearLink, ShortImageReferenceInlineProcessor):
    pass


class BacktickProcessor(BacktickInlineProcessor):
    """Code spans: the run of backticks that closes one, from the tables."""

    def find_code_spans(self, start: int, text: str) -> tuple[int, int | None]:
        begin = start
        ticks = len(_TICKS.match(text, begin).group()) if text.startswith("`", begin) else 0
        start = begin + ticks
        near = text.find("`", start, start + NEAR)
        if ticks and near != -1 and len(_TICKS.match(text, near).group()) == ticks:
            return start, near  # the next run closes it
        tables, shift = _Derived.tables(text, begin)
        starts, lengths, by_length, longest = tables.tick_runs
        after = bisect_right(starts, begin + shift)  # the runs after the opening one
        same = by_length.get(ticks, [])
        s = bisect_left(same, after)
        if s < len(same):
            return start, starts[same[s]] - shift
        length, r = longest[after]
        if 0 < length < ticks:
            return start - (ticks - length), starts[r] - shift
        return start + ticks, None


# a row of a table that starts with no `|` and ends with none (as `TableProcessor` sees them)
_ROW_WITHOUT_BORDER = re.compile(r"^(?! *\|)(?!.*(?<!\\)(?:\\\\)*\| *$).*$", re.M)


class TableBlockProcessor(TableProcessor):
    """Python-Markdown's table processor, reading the rows its test needs rather than all."""

    def test(self, parent, block: str) -> bool:
        lines = block.split("\n", 2)
        if len(lines) < 2:
            return False
        header = lines[0].strip(" ")
        second = lines[1]
        # the borders of the header, as the original test finds them before it splits the header
        self.border = (PIPE_LEFT if header.startswith("|") else PIPE_NONE) | (PIPE_RIGHT if self.RE_END_BORDER.search(header) else PIPE_NONE)
        if self.border and len(self._split_row(header)) == 1:
            # a table of one column: each row needs a `|`, and the test stops at the first without
            m = _ROW_WITHOUT_BORDER.search(block, len(lines[0]) + 1)
            if m:
                second = m.group()
        return super().test(parent, lines[0] + "\n" + second)


class LineSearch:
    """A block processor's search for the first line of a block its pattern matches.

    The processors that use a line of a block (a heading, a rule, a reference definition)
    parse the lines before it and put back the lines after it, and every processor searches
    those again: a block of headings took time proportional to its length times its lines.
    This search keeps which lines of a block start a match, and reuses that for what is put
    back (an end of the block, from the start of a line), for the last few blocks it saw.
    Lines that `candidates` does not find cannot start one. With `at_newline`, the pattern
    is not MULTILINE and starts `(?:^|\\n)`: a match is at the start of the text or at the
    newline before its line.
    """

    KEEP = 4  # blocks whose lines it remembers: the one put back, and the lines before it parsed meanwhile

    def __init__(self, regex: re.Pattern, candidates: str, at_newline: bool = False):
        self.regex = regex
        self.candidates = re.compile(candidates, re.M)
        self.at_newline = at_newline
        # per block: the block, its candidate lines, whether each line tried starts a match
        self._blocks: list[tuple[str, list[int], dict[int, bool]]] = []

    def __getattr__(self, name: str):
        return getattr(self.regex, name)

    def _lines_of(self, text: str) -> tuple[str, list[int], dict[int, bool]]:
        for i, kept in enumerate(self._blocks):
            base = kept[0]
            if len(text) <= len(base) and base.endswith(text) and (len(text) == len(base) or base[-len(text) - 1] == "\n"):
                if i:
                    self._blocks.insert(0, self._blocks.pop(i))
                return kept
        kept = (text, [m.start() for m in self.candidates.finditer(text)], {})
        self._blocks = [kept] + self._blocks[: self.KEEP - 1]
        return kept

    def search(self, text: str, pos: int = 0, endpos: int | None = None):
        if pos or endpos is not None:
            return self.regex.search(text, pos) if endpos is None else self.regex.search(text, pos, endpos)
        base, lines, starts = self._lines_of(text)
        shift = len(base) - len(text)
        for i in range(bisect_left(lines, shift), len(lines)):
            line = lines[i]
            found = starts.get(line)
            if found is None:
                found = starts[line] = self.regex.match(base, line - 1 if self.at_newline and line else line) is not None
            if found:
                at = line - shift
                return self.regex.search(text, at - 1 if self.at_newline and at else at)
        return None


class SetextHeadingProcessor(SetextHeaderProcessor):
    """Python-Markdown's processor of underlined headings, splitting off the two lines it
    uses rather than every line of the block."""

    def run(self, parent, blocks) -> None:
        block = blocks.pop(0)
        rest = block.split("\n", 2)
        blocks.insert(0, "\n".join(rest[:2]))
        super().run(parent, blocks)
        if len(rest) > 2:
            blocks.insert(0, rest[2])


class Blocks:
    """The blocks of text left to parse, the first one last: the block processors take the
    first one and put back what they leave of it, which a list does in time proportional to
    its length."""

    def __init__(self, blocks: list[str]):
        self._reversed = blocks[::-1]

    def __len__(self) -> int:
        return len(self._reversed)

    def __getitem__(self, i: int) -> str:
        return self._reversed[-1 - i]  # block i is the i-th from the end, and block -1 the first

    def pop(self, i: int = -1) -> str:
        return self._reversed.pop(-1 - i)

    def insert(self, i: int, block: str) -> None:
        n = len(self._reversed)
        self._reversed.insert(n - min(max(i if i >= 0 else n + i, 0), n), block)


def linear_parse_chunk(parser: BlockParser):
    def parseChunk(parent, text: str) -> None:
        parser.parseBlocks(parent, Blocks(text.split("\n\n")))
    return parseChunk


_FENCE_LINE = re.compile(r"^(~{3,}|`{3,})( *$)?", re.M)


class FenceSearch:
    """The fenced code preprocessor's search for a fenced block, trying only fences that a
    closing fence follows (the original pattern tries each fence, reading on to the end of
    the text when none closes it). `search` is called again after each block found, on the
    text with the block replaced: what follows is unchanged, as are positions in it counted
    from the end."""

    def __init__(self, regex: re.Pattern):
        self.regex = regex
        self._fences: tuple[int, list[tuple[int, str]], dict[str, list[int]]] | None = None

    def search(self, text: str, pos: int = 0):
        if pos == 0 or self._fences is None:
            opening, closing = [], {}
            for m in _FENCE_LINE.finditer(text):
                opening.append((m.start(), m.group(1)))
                if m.group(2) is not None:
                    closing.setdefault(m.group(1), []).append(m.start())
            self._fences = (len(text), opening, closing)
        length, opening, closing = self._fences
        shift = length - len(text)
        for i in range(bisect_left(opening, (pos + shift, "")), len(opening)):
            start, fence = opening[i]
            ends = closing.get(fence, [])
            if bisect_right(ends, start) < len(ends):
                m = self.regex.match(text, start - shift)
                if m:
                    return m
        return None
