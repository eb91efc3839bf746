"""A question's history as a small line chart, drawn at build time as inline SVG.

`history_chart` draws each hypothesis's weighted inconsistency over the
evidence reported up to each date (`stages.analysis.history`) and returns a
raw HTML block ready to embed in a generated Markdown page:

    <figure class="bg-chart" data-search-exclude="chart"><svg role="img" ...>...</svg><figcaption>... legend ...</figcaption></figure>

- What it plots: weighted inconsistency, not rank. It only grows as evidence
  arrives, so each line reads as "how much evidence has piled up against this
  hypothesis": the lowest line leads, a crossing is a change of leader, and
  the gap between lines is the margin, which ranks alone would hide (a rank
  chart shows a swap of two near-equal scores as loudly as a landslide). The
  ranks are in the table beside it. Lines are steps: a score holds from the
  date its evidence was reported until the next date.
- Dates: x is the sequence of dates on which evidence was reported, evenly
  spaced, not a calendar: every arrival of evidence stays visible however
  close in time (a brief's claims dated `2023-08` and one dated `2023-08-03`),
  and a date known only to its month or year (`2023-08`, `2023`), which has no
  point on a calendar, is not given one. The axis names the first and last
  dates and evenly chosen ones between; the table gives every date.
- Readable in both palettes and in print: everything is drawn in
  `currentColor`; the figure takes the page's text colour and each line a
  class (`bg-series-1` … `bg-series-6`) that the stylesheet colours from
  mkdocs-material's palette variables, which the dark (slate) scheme redefines.
  Lines also differ by dash pattern and marker shape, so they stay apart in
  grey print or without the stylesheet. Lines that lie on top of each other
  are drawn a pixel or two apart so that each stays visible.
- Accessible: the SVG has role="img", an accessible name (aria-label) and a
  <title>; the page's table gives the same numbers as text.
- Safe to embed: one block without blank lines, no id attribute, no script,
  nothing fetched. The SVG holds no author text, only numbers and dates; the
  legend's hypothesis statements are escaped (`markup.plain`).
- Cheap: one path per hypothesis, a point per date; markers only at the dates
  a line moves, and only while there are few dates.
"""

from __future__ import annotations

import math
from typing import Sequence

from generator.format import vocab
from generator.output import markup
from generator.output.templating import human_date
from generator.stages.analysis import Step

WIDTH, HEIGHT = 640, 250
LEFT, RIGHT, TOP, BOTTOM = 46, 14, 12, 30  # margins around the plot, in SVG units
PAD = 28  # between the plot's edges and its first and last dates, room for their labels
SERIES = 6  # distinct colours (`bg-series-N` in the stylesheet); dashes and markers cycle on other periods
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "down")
MARK_ALL_BELOW = 60  # with more dates than this, only each line's first and last points are marked
MAX_X_LABELS = 7  # dates named under the axis


def _short_date(date: str) -> str:
    """`2023` -> 2023, `2023-08` -> Aug 2023, `2023-08-03` -> 3 Aug 2023."""
    parts = date.split("-")
    if len(parts) == 1:
        return parts[0]
    month = vocab.MONTHS[int(parts[1]) - 1][:3]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{int(parts[2])} {month} {parts[0]}"


def _nice_ceiling(value: float) -> tuple[float, float]:
    """An axis maximum at or above `value` and its tick step (1, 2 or 5 times a power of ten, at most 5 ticks)."""
    if value <= 0:
        return 1.0, 0.25
    magnitude = 10 ** math.floor(math.log10(value / 5))
    for factor in (1, 2, 2.5, 5, 10, 20, 25, 50):
        step = factor * magnitude
        if value / step <= 5:
            return step * math.ceil(value / step - 1e-9), step
    return value, value  # pragma: no cover - the loop always finds a step


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value else "0"


def _marker(kind: str, x: float, y: float, r: float = 3.2) -> str:
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"/>'
    if kind == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}"/>'
    if kind == "triangle":
        return f'<path d="M{x:.1f} {y - r - .6:.1f}L{x + r + .4:.1f} {y + r:.1f}L{x - r - .4:.1f} {y + r:.1f}Z"/>'
    if kind == "down":
        return f'<path d="M{x:.1f} {y + r + .6:.1f}L{x + r + .4:.1f} {y - r:.1f}L{x - r - .4:.1f} {y - r:.1f}Z"/>'
    if kind == "diamond":
        return f'<path d="M{x:.1f} {y - r - .8:.1f}L{x + r + .8:.1f} {y:.1f}L{x:.1f} {y + r + .8:.1f}L{x - r - .8:.1f} {y:.1f}Z"/>'
    return (f'<path d="M{x - r:.1f} {y - r:.1f}L{x + r:.1f} {y + r:.1f}M{x - r:.1f} {y + r:.1f}L{x + r:.1f} {y - r:.1f}" '
            'fill="none" stroke="currentColor" stroke-width="1.8"/>')


def style_of(index: int) -> tuple[str, str, str]:
    """The n-th line's (0-based) CSS class, dash pattern and marker."""
    return f"bg-series-{index % SERIES + 1}", DASHES[index % len(DASHES)], MARKERS[index % len(MARKERS)]


def _labelled(count: int) -> list[int]:
    """Which steps get a date under the axis: the first, the last and evenly chosen ones between."""
    if count <= MAX_X_LABELS:
        return list(range(count))
    return sorted({round(n * (count - 1) / (MAX_X_LABELS - 1)) for n in range(MAX_X_LABELS)})


def _swatch(index: int) -> str:
    css, dash, marker = style_of(index)
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<svg class="bg-swatch {css}" width="34" height="12" viewBox="0 0 34 12" aria-hidden="true" focusable="false">'
            f'<line x1="1" y1="6" x2="33" y2="6" stroke="currentColor" stroke-width="2"{dashed}/>'
            f'<g fill="currentColor">{_marker(marker, 17, 6)}</g></svg>')


def history_chart(steps: Sequence[Step], order: Sequence[str], statements: dict[str, str]) -> str:
    """The figure of a question's history; "" without any step.

    `order` lists the hypothesis ids in their current rank order (the page's
    H1, H2, …), which fixes each line's style and legend entry; `statements`
    gives each id's statement for the legend.
    """
    if not steps:
        return ""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = max(s.weighted for s in steps[-1].ranking)  # totals only grow: the last step holds the largest
    y_max, y_step = _nice_ceiling(top_value)

    def px(i: int) -> float:  # the i-th date, evenly spaced; one date in the middle
        return LEFT + PAD + (i / (len(steps) - 1) * (plot_w - 2 * PAD) if len(steps) > 1 else (plot_w - 2 * PAD) / 2)

    def py(value: float) -> float:
        return TOP + plot_h - value / y_max * plot_h

    parts = []
    # grid and axes, in the text colour
    ticks = int(round(y_max / y_step))
    grid = []
    for n in range(ticks + 1):
        value = n * y_step
        y = py(value)
        grid.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="currentColor" stroke-opacity="{".55" if n == 0 else ".15"}"/>')
        grid.append(f'<text x="{LEFT - 6}" y="{y + 3.5:.1f}" text-anchor="end">{_fmt(value)}</text>')
    for i in _labelled(len(steps)):
        x = px(i)
        grid.append(f'<line x1="{x:.1f}" y1="{TOP + plot_h:.1f}" x2="{x:.1f}" y2="{TOP + plot_h + 4:.1f}" stroke="currentColor"/>')
        grid.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 17:.1f}" text-anchor="middle">{markup.html_text(_short_date(steps[i].date))}</text>')
    parts.append('<g class="bg-chart-axes" fill="currentColor">' + "".join(grid) + "</g>")

    mark_all = len(steps) <= MARK_ALL_BELOW
    series = _columns(steps, order)
    for n, h in enumerate(order):
        css, dash, marker = style_of(n)
        nudge = (n - (len(order) - 1) / 2) * 1.4  # lines on top of each other stay apart
        values = series[h]
        points = [(px(i), py(v) + nudge) for i, v in enumerate(values)]
        d = f"M{points[0][0]:.1f} {points[0][1]:.1f}" + "".join(f"H{x:.1f}V{y:.1f}" for x, y in points[1:])
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        marked = [i for i in range(len(points)) if i in (0, len(points) - 1) or (mark_all and values[i] != values[i - 1])]
        marks = "".join(_marker(marker, *points[i]) for i in marked)
        parts.append(f'<g class="{css}"><path d="{d}" fill="none" stroke="currentColor" stroke-width="2"{dashed}/>'
                     f'<g fill="currentColor">{marks}</g></g>')

    span = human_date(steps[0].date) if len(steps) == 1 else f"{human_date(steps[0].date)} to {human_date(steps[-1].date)}"
    name = (f"Line chart: weighted inconsistency of {len(order)} hypotheses after the evidence reported up to each of "
            f"{len(steps)} date{'s' if len(steps) != 1 else ''}, {span}; lower is better. The table below gives the numbers.")
    svg = (f'<svg class="bg-chart-plot" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-label="{markup.attr(name)}" '
           f'font-family="inherit" font-size="11" style="display:block;max-width:{WIDTH}px;height:auto;overflow:visible">'
           f"<title>{markup.html_text(name)}</title>" + "".join(parts) + "</svg>")
    legend = "".join(f'<li>{_swatch(n)} <strong>H{n + 1}</strong> {markup.plain(statements[h])}</li>' for n, h in enumerate(order))
    caption = ("Weighted inconsistency of each hypothesis over the evidence reported up to each date: "
               "the lower the line, the less the evidence disproves it; the lowest line leads.")
    return ('<figure class="bg-chart" data-search-exclude="chart">'
            f"{svg}<figcaption>{caption}<ul class=\"bg-chart-legend\">{legend}</ul></figcaption></figure>")


def _columns(steps: Sequence[Step], order: Sequence[str]) -> dict[str, list[float]]:
    """Each hypothesis's weighted inconsistency at each step."""
    out: dict[str, list[float]] = {h: [] for h in order}
    for s in steps:
        for x in s.ranking:
            out[x.hypothesis].append(x.weighted)
    return out
