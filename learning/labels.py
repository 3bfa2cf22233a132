"""A cluster's label: a few words its reports share and the others in the window do not.

PROVISIONAL (the pass's stand-in, same interface): class-based TF-IDF over words, after the
redaction marks have taken out names, phone numbers and addresses.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from learning import redaction

_WORD = re.compile(r"[a-z][a-z'’-]{2,}")
_COMMON = frozenset(
    "the and was were for with that this from have had has not but they she him her his "
    "their them are when then there into out off our who what which nearly near miss".split())


def cluster_label(members: Sequence[str], background: Sequence[str], *, words: int = 4) -> str:
    """Words the members share and the background's texts use less; "" when none stand out."""
    inside = _counts(members)
    outside = _counts(background)
    documents = {word: sum(1 for text in members if word in _words(text)) for word in inside}
    total = sum(inside.values()) or 1
    scores = {word: count / total * math.log(1 + (len(members) + len(background))
                                             / (1 + inside[word] + outside[word]))
              for word, count in inside.items() if documents[word] >= 2}
    best = sorted(scores, key=lambda word: (-scores[word], word))[:words]
    return ", ".join(best)


def _words(text: str) -> list[str]:
    clean = redaction.redact(text, redaction.find(text), lambda msgid: " ")
    return [word for word in _WORD.findall(clean.lower()) if word not in _COMMON]


def _counts(texts: Sequence[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(_words(text))
    return counts
