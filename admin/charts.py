"""Small SVG charts rendered on the server: no JavaScript, no CDN, readable offline and in PDFs.

Every piece of text goes through markupsafe.escape (place names are typed by workers), so
the output is well-formed XML whatever the labels hold. Each chart has a <title> and a
<desc> listing every value, so a screen reader hears the numbers, not just "image".
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 480  # viewBox units; narrow, so text stays legible when a phone scales it down
FONT = 'font-family="system-ui, -apple-system, \'Segoe UI\', Roboto, sans-serif"'
INK, MUTED, BAR, GRID = "#1d273b", "#667382", "#206bc4", "#e6e7e9"
TITLE_HEIGHT = 34
EMPTY = "No reports in this period"
Links = Sequence[str | None] | None


def bar_chart(title: str, items: Sequence[tuple[str, int]], *, horizontal: bool = True,
              empty: str = EMPTY, links: Links = None) -> Markup:
    """A bar chart of (label, value); horizontal bars suit long labels and phones.

    `links`, one address (or None) per item, makes each bar a link to what it counts.
    """
    if not any(value for _, value in items):
        return _empty(title, empty)
    peak = max(value for _, value in items)
    height, body = (_horizontal if horizontal else _vertical)(items, peak, _each(links, items))
    return _svg(title, _describe(items), TITLE_HEIGHT + height, body, linked=bool(links))


def line_chart(title: str, points: Sequence[tuple[str, int]], *, empty: str = EMPTY,
               links: Links = None) -> Markup:
    """A line chart of (label, value) in order, e.g. reports per week; points may link."""
    if not any(value for _, value in points):
        return _empty(title, empty)
    hrefs = _each(links, points)
    peak = max(value for _, value in points)
    left, right, top, plot = 36, WIDTH - 30, TITLE_HEIGHT + 16, 160
    step = (right - left) / max(len(points) - 1, 1)
    xy = [(left + i * step, top + plot - plot * value / peak) for i, (_, value) in
          enumerate(points)]
    body = [_axis(left, right, top, plot, peak),
            f'<polyline fill="none" stroke="{BAR}" stroke-width="2.5" points="'
            + " ".join(f"{x:.1f},{y:.1f}" for x, y in xy) + '"/>']
    every = max(1, len(points) // 6)  # about six x labels, whatever the period
    for i, ((label, value), (x, y)) in enumerate(zip(points, xy, strict=True)):
        body.append(_item(hrefs[i], f"{label}: {value}",
                          f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{5 if hrefs[i] else 3}" '
                          f'fill="{BAR}"/>'))
        if len(points) <= 16 or value == peak:
            body.append(_text(x, y - 7, str(value), anchor="middle", size=11))
        if i % every == 0 or i == len(points) - 1:
            body.append(_text(x, top + plot + 16, _short(label, 10), anchor="middle", size=11,
                              fill=MUTED))
    return _svg(title, _describe(points), top + plot + 28, body, linked=bool(links))


def _each(links: Links, items: Sequence[object]) -> list[str | None]:
    return list(links) if links else [None] * len(items)


def _item(href: str | None, name: str, content: str) -> str:
    """One bar or point: a link to its reports when it has an address, with its name."""
    if href is None:
        return f"<g><title>{escape(name)}</title>{content}</g>"
    return f'<a href="{escape(href)}"><title>{escape(name)}</title>{content}</a>'


def _horizontal(items: Sequence[tuple[str, int]], peak: int,
                hrefs: list[str | None]) -> tuple[int, list[str]]:
    """Rows of label | bar | value; the label column takes the left third."""
    row, label_width, value_room = 26, 184, 44
    span = WIDTH - label_width - value_room
    body = []
    for i, (label, value) in enumerate(items):
        y = TITLE_HEIGHT + i * row
        width = span * value / peak
        body.append(_item(
            hrefs[i], f"{label}: {value}",
            _text(label_width - 8, y + 17, _short(label, 23), anchor="end")
            + f'<rect x="{label_width}" y="{y + 5}" width="{width:.1f}" height="{row - 8}" '
            f'rx="2" fill="{BAR}"/>'
            + _text(label_width + width + 6, y + 17, str(value))))
    return len(items) * row + 6, body


def _vertical(items: Sequence[tuple[str, int]], peak: int,
              hrefs: list[str | None]) -> tuple[int, list[str]]:
    """Columns with the value on top and a short label below."""
    top, plot, left = TITLE_HEIGHT + 18, 150, 8
    slot = (WIDTH - 2 * left) / len(items)
    body = []
    for i, (label, value) in enumerate(items):
        x, height = left + i * slot, plot * value / peak
        centre = x + slot / 2
        body.append(_item(
            hrefs[i], f"{label}: {value}",
            f'<rect x="{x + slot * 0.15:.1f}" y="{top + plot - height:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{height:.1f}" rx="2" fill="{BAR}"/>'
            + _text(centre, top + plot - height - 5, str(value), anchor="middle", size=11)
            + _text(centre, top + plot + 15, _short(label, max(3, int(slot / 7))),
                    anchor="middle", size=11, fill=MUTED)))
    return plot + 42, body


def _axis(left: float, right: float, top: float, plot: float, peak: int) -> str:
    """Base line and a top line labelled with the peak, so the scale is never a guess."""
    return (f'<line x1="{left}" y1="{top + plot}" x2="{right}" y2="{top + plot}" '
            f'stroke="{GRID}"/><line x1="{left}" y1="{top}" x2="{right}" y2="{top}" '
            f'stroke="{GRID}" stroke-dasharray="4 4"/>'
            + _text(left - 6, top + 4, str(peak), anchor="end", size=11, fill=MUTED)
            + _text(left - 6, top + plot + 4, "0", anchor="end", size=11, fill=MUTED))


def _svg(title: str, desc: str, height: float, body: list[str], *,
         linked: bool = False) -> Markup:
    """The chart; one with links is a group (an image's parts cannot be links to a reader)."""
    ident = "chart-" + hashlib.sha1(f"{title}\n{desc}".encode()).hexdigest()[:10]
    role = "group" if linked else "img"
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="100%" role="{role}" aria-labelledby="{ident}-t {ident}-d" {FONT} '
        f'class="nearmiss-chart"><title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(desc)}</desc>'
        # The visible heading repeats <title>; hidden from screen readers to avoid an echo.
        + _text(0, 22, title, size=15, weight="600", hidden=True)
        + "".join(body) + "</svg>")


def _empty(title: str, message: str) -> Markup:
    body = [f'<rect x="0.5" y="{TITLE_HEIGHT}" width="{WIDTH - 1}" height="70" rx="6" '
            f'fill="#f6f8fb" stroke="{GRID}"/>',
            _text(WIDTH / 2, TITLE_HEIGHT + 40, message, anchor="middle", fill=MUTED)]
    return _svg(title, message, TITLE_HEIGHT + 76, body)


def _describe(items: Sequence[tuple[str, int]]) -> str:
    return "; ".join(f"{label}: {value}" for label, value in items)


def _short(label: str, size: int) -> str:
    """Cut a long label for the axis; the full one stays in the <title> tooltip."""
    return label if len(label) <= size else label[: size - 1].rstrip() + "…"


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 12,
          fill: str = INK, weight: str = "400", hidden: bool = False) -> str:
    aria = ' aria-hidden="true"' if hidden else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'font-weight="{weight}" fill="{fill}"{aria}>{escape(text)}</text>')
