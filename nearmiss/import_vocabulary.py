"""What an imported cell may say: each category, answer and part of the day by its code or
by its label in any shipped language, folded to the code it is stored as."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from conversations.steps import CATEGORIES, PERIOD_LABELS, TOLD


@dataclass(frozen=True)
class Vocabulary:
    """What a cell may say, folded (see `fold`) to its stored code."""

    categories: Mapping[str, str]
    told: Mapping[str, str]
    periods: Mapping[str, str]


def fold(text: str) -> str:
    """A code or label as compared: case, spaces and underscores ignored."""
    return "".join(text.casefold().replace("_", " ").split())


def vocabulary(translations: Sequence[Callable[[str], str]],
               custom_categories: Iterable[tuple[str, str]] = ()) -> Vocabulary:
    """Codes and labels in every shipped language (`translations`: one gettext per
    language), and the categories an administrator added (key, name), as written."""
    def table(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
        found = {fold(code): code for code, _ in pairs}
        for code, label in pairs:
            for text in (label, *(translate(label) for translate in translations)):
                found.setdefault(fold(text), code)
        return found

    categories = table(CATEGORIES)
    for key, name in custom_categories:
        categories.setdefault(fold(key), key)
        categories.setdefault(fold(name), key)
    return Vocabulary(categories, table(TOLD), table(PERIOD_LABELS))
