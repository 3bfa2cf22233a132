"""Real sentences for the pattern tests, embedded once, and a maker of Items from them."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import numpy as np

from learning.embedding import embedder
from learning.patterns import Item

START = date(2026, 3, 2)

DOOR_CODE = (
    "Agency carer arrived for the night shift and had not been given the door code, "
    "waited outside 20 min in the rain.",
    "New agency worker couldnt get in, nobody told her the keypad number for the front door.",
    "agency staff locked out at 7am, no code given to them by the agency, rang on call.",
    "Bank staff member had no key safe code so could not get into SU's flat for the morning call.",
)
LOOK_ALIKE = (
    "Two boxes of paracetamol and co-codamol from the new supplier look almost the same, "
    "nearly gave the wrong one.",
    "Near miss: picked up the wrong tablets because the new packaging for the two meds is "
    "identical colour.",
    "New pharmacy boxes for amlodipine and amitriptyline look alike, caught it when checking MAR.",
)
# Unrelated events one might file under "environment" at the kitchen: a decoy, not a pattern.
KITCHEN = (
    "Kettle in the kitchen has a frayed flex, taken out of use.",
    "Fridge in kitchen temp reading 9 degrees, food moved to other fridge.",
    "Mop bucket left in the kitchen doorway, nearly tripped over it.",
    "Oven door in the kitchen doesnt close properly, hot air escaping.",
)


@cache
def vector(text: str) -> np.ndarray:
    return embedder().embed([text])[0]


def item(report_id: int, text: str, *, day: int = 0, hour: int | None = None, team: int = 1,
         place: str = "Kitchen", category: str = "environment") -> Item:
    return Item(report_id=report_id, day=START + timedelta(days=day), hour=hour, team_id=team,
                place=place, category=category, vector=vector(text))


def arc(count: int, step_cosine: float) -> list[np.ndarray]:
    """Unit vectors along a circle, each `step_cosine` from the last: a chain."""
    angle = float(np.arccos(step_cosine))
    vectors = []
    for k in range(count):
        v = np.zeros(384, dtype=np.float32)
        v[0], v[1] = np.cos(k * angle), np.sin(k * angle)
        vectors.append(v)
    return vectors
