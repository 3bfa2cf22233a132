"""A pattern's label: the few words its reports share that other reports do not.

Class-based TF-IDF: the members' texts are one class and the background (other reports of the
window) the other. A term scores by how many members use it times log(1 + A / f), where A is the
mean number of terms per class and f the term's count over both classes, so a word every report
uses ("resident", "shift") scores low and a word only this cluster uses scores high. Terms are
single words and pairs of words ("key safe"); a term must be used by at least two members.

Privacy comes first: every text goes through learning.redaction's marks and the placeholders
are dropped, so a name, phone number, NHS number, date of birth or address it finds never
reaches the label. A word written with a capital in mid-sentence and never in lower case (a
name the marks missed, say) is left out too; short all-capital words (MAR, PRN, SU) are kept
and shown in capitals.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from learning.redaction import find, redact

_WORD = re.compile(r"[A-Za-z][A-Za-z'/-]*[A-Za-z]|[A-Za-z]")
_PLACEHOLDER = re.compile(r"\[[^\]]*\]")
_SENTENCE_END = re.compile(r"[.!?;:]\s*$")
_ABBREVIATION = re.compile(r"[A-Z]{2,5}s?")

STOP_WORDS = frozenset("""
a about above after again against all almost also am an and any are aren't as at back be
because been before being below between both but by can can't cannot could couldn't did didn't
do does doesn't doing don't down during each even ever every few for from further get got had
hadn't has hasn't have haven't having he her here hers herself him himself his how i i'm if in
into is isn't it it's its itself just let me more most much must my myself near nearly no nor
not now of off on once one only or other ought our ours ourselves out over own same she should
shouldn't so some still such than that that's the their theirs them themselves then there
there's these they they're this those through to too under until up upon very was wasn't we
we're were weren't what when where which while who whom why will with won't would wouldn't you
your yours yourself yourselves
""".split())
# Words care reports use whatever happened: they say nothing about a cluster on their own
# (a pair such as "agency staff" keeps them, down-weighted).
FILLER = frozenset("""
resident residents service user users su sus staff carer carers member colleague colleagues
shift today yesterday tonight morning evening night day time noticed found nearly almost went
said told asked checked check done made put took came saw near miss incident happened managed
luckily thankfully rang called informed reported
""".split())
FILLER_WEIGHT = 0.3
PAIR_WEIGHT = 1.5  # "door code" says more than "code": a pair as widely shared wins


def cluster_label(members: Sequence[str], background: Sequence[str], *, words: int = 4) -> str:
    """A few words the members' texts share and the background's do not (class-based TF-IDF),
    e.g. "door code, agency, key safe". Runs learning.redaction's marks over the texts first:
    never a person's name, phone number or address. "" when nothing stands out."""
    member_terms = [_terms(text) for text in members]
    background_terms = [_terms(text) for text in background]
    in_members: Counter[str] = Counter()
    used_by: Counter[str] = Counter()
    for terms in member_terms:
        in_members.update(terms)
        used_by.update(set(terms))
    in_background: Counter[str] = Counter(t for terms in background_terms for t in terms)
    classes = [sum(in_members.values()), sum(in_background.values())]
    average = sum(classes) / max(1, sum(1 for size in classes if size))
    hidden = _capitalised_only(list(members) + list(background))
    background_use: Counter[str] = Counter(t for terms in background_terms for t in set(terms))
    scores = {term: _weight(term) * used_by[term]
              * math.log(1 + average / (in_members[term] + in_background[term]))
              for term in used_by
              if used_by[term] >= 2 and not hidden.intersection(term.split())
              and used_by[term] * len(background) > background_use[term] * len(members)}
    chosen: list[str] = []
    for term in sorted(scores, key=lambda t: (-scores[t], -len(t.split()), t)):
        if len(chosen) == words or scores[term] <= 0:
            break
        if not any(_stems(term) & _stems(other) for other in chosen):
            chosen.append(term)
    shown = _shown_forms(members)
    return ", ".join(" ".join(shown.get(word, word) for word in term.split())
                     for term in chosen)


def _stems(term: str) -> set[str]:
    """The term's words without a plural s, so "sling" and "new slings" are not both shown."""
    return {word[:-1] if len(word) > 3 and word.endswith("s") else word for word in term.split()}


def _weight(term: str) -> float:
    words = term.split()
    if len(words) == 1:
        return 0.0 if term in FILLER else 1.0
    return PAIR_WEIGHT * (FILLER_WEIGHT if any(word in FILLER for word in words) else 1.0)


def _clean(text: str) -> str:
    """The text with personal details the redaction marks find taken out."""
    return _PLACEHOLDER.sub(" . ", redact(text, find(text)))


def _terms(text: str) -> list[str]:
    """Words (no stop words) and adjacent pairs of them, lower case, from the cleaned text."""
    terms: list[str] = []
    for phrase in re.split(r"[.,;:!?()\"\n]+", _clean(text)):
        words = [w.lower() for w in _WORD.findall(phrase)]
        kept = [w for w in words if w not in STOP_WORDS and (len(w) > 1)]
        terms += kept
        terms += [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)
                  if a not in STOP_WORDS and b not in STOP_WORDS and a != b]
    return terms


def _capitalised_only(texts: Iterable[str]) -> set[str]:
    """Lower-cased words written with a capital in mid-sentence and never in lower case."""
    capitalised: set[str] = set()
    lower: set[str] = set()
    for text in texts:
        cleaned = _clean(text)
        for match in _WORD.finditer(cleaned):
            word = match.group()
            if word.islower():
                lower.add(word.lower())
            elif (word[0].isupper() and not _ABBREVIATION.fullmatch(word)
                  and not _starts_sentence(cleaned, match.start())):
                capitalised.add(word.lower())
    return capitalised - lower


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or bool(_SENTENCE_END.search(before)) or before.endswith("\n")


def _shown_forms(texts: Iterable[str]) -> dict[str, str]:
    """Abbreviations the members write in capitals (MAR, PRN), to show them so."""
    forms: dict[str, str] = {}
    for text in texts:
        for word in _WORD.findall(_clean(text)):
            if _ABBREVIATION.fullmatch(word):
                forms[word.lower()] = word
    return forms
