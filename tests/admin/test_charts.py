"""SVG charts: well-formed, accessible, and inert whatever the labels hold."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from markupsafe import Markup

from admin.charts import bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = (
    '<script>alert("x")</script>',
    "Tom & Jerry's \"flat\"",
    "]]><!-- -->&amp;",
    "Ünïcödé ☂ 家",
)


def parse(chart: Markup) -> ET.Element:
    return ET.fromstring(str(chart))


def texts(root: ET.Element) -> list[str]:
    return ["".join(node.itertext()) for node in root.iter()]


@pytest.mark.parametrize("horizontal", [True, False])
def test_bar_chart_escapes_hostile_labels_and_parses(horizontal: bool) -> None:
    chart = bar_chart("Places <b>", [(label, i + 1) for i, label in enumerate(HOSTILE)],
                      horizontal=horizontal)

    root = parse(chart)  # raises on any unescaped <, & or quote

    assert "<script" not in chart and "<b>" not in chart
    assert not list(root.iter(f"{SVG}script"))
    assert root.find(f"{SVG}title").text == "Places <b>"
    desc = root.find(f"{SVG}desc").text
    assert all(label in desc for label in HOSTILE)  # the full labels, once unescaped


def test_line_chart_escapes_hostile_labels_and_parses() -> None:
    chart = line_chart("Weeks & more", [(label, i) for i, label in enumerate(HOSTILE, 1)])

    root = parse(chart)

    assert not list(root.iter(f"{SVG}script"))
    assert root.find(f"{SVG}title").text == "Weeks & more"
    assert any(HOSTILE[0] in text for text in texts(root))


def test_chart_is_accessible_and_scales() -> None:
    root = parse(bar_chart("By category", [("Medication", 7), ("Falls", 3)]))

    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox", "").startswith("0 0 ")
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert desc.text == "Medication: 7; Falls: 3"


def test_bar_chart_shows_every_value() -> None:
    root = parse(bar_chart("By team", [("Oak", 12), ("Elm", 5), ("Ash", 1)]))

    shown = texts(root)
    assert {"12", "5", "1"} <= set(shown)


def test_long_labels_are_cut_on_the_axis_but_whole_in_the_tooltip() -> None:
    label = "The very long name of a supported living flat on the high street"
    root = parse(bar_chart("Places", [(label, 4)]))

    assert label + ": 4" in texts(root)
    assert label not in [node.text for node in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("chart", [
    lambda: bar_chart("By place", []),
    lambda: bar_chart("By time of day", [("Morning", 0), ("Night", 0)]),
    lambda: bar_chart("By weekday", [], horizontal=False),
    lambda: line_chart("Per week", []),
    lambda: line_chart("Per week", [("2026-W01", 0), ("2026-W02", 0)]),
])
def test_empty_data_says_so(chart: Callable[[], Markup]) -> None:
    root = parse(chart())

    assert "No reports in this period" in texts(root)
    assert not list(root.iter(f"{SVG}rect"))[1:]  # only the frame of the message
    assert not list(root.iter(f"{SVG}polyline"))


def test_empty_message_can_be_translated() -> None:
    root = parse(bar_chart("Categori", [], empty="Dim adroddiadau <yn> y cyfnod hwn"))

    assert "Dim adroddiadau <yn> y cyfnod hwn" in texts(root)


def test_single_point_line_chart_renders() -> None:
    root = parse(line_chart("Per week", [("2026-W10", 4)]))

    assert len(list(root.iter(f"{SVG}circle"))) == 1
