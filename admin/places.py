"""Where a report happened, as each role may see it.

A worker picks one of their team's places or types their own (up to 200 characters, which
may name a resident or describe their room). Typed text is the worker's words: those who may
read the words see the place as written; everyone else sees it only when it is one of the
team's own places, and "Other place" otherwise, on every page, chart, alert and report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from admin.roles import CurrentUser
from conversations import N_
from storage.repositories import TeamRepository
from storage.stats import rank_places
from storage.stats_results import PlaceCount, Summary

OTHER_PLACE = N_("Other place")


@dataclass(frozen=True)
class PlaceNames:
    """How one person sees places: as written (known is None) or only the teams' own."""

    known: frozenset[tuple[int, str]] | None  # (team id, name) of the teams' own places
    gettext: Callable[[str], str]

    def shows(self, team_id: int, place: str) -> bool:
        """Whether this person may see this place as written."""
        return self.known is None or (team_id, place) in self.known

    def of(self, team_id: int, place: str) -> str:
        """The place as this person may see it."""
        return place if self.shows(team_id, place) else self.gettext(OTHER_PLACE)

    def summary(self, summary: Summary) -> Summary:
        """Dashboard figures with typed places hidden: counted together per team as "Other
        place"."""
        if self.known is None:
            return summary
        return replace(summary, by_place=self._places(summary.by_place))

    def _places(self, counts: Iterable[PlaceCount]) -> list[PlaceCount]:
        merged: dict[tuple[str, int], int] = defaultdict(int)
        teams: dict[int, str] = {}
        for count in counts:
            merged[self.of(count.team_id, count.place), count.team_id] += count.count
            teams[count.team_id] = count.team
        return rank_places(merged, teams)


AS_WRITTEN = PlaceNames(None, str)  # for those who may read the workers' words


async def place_names(session: AsyncSession, user: CurrentUser,
                      gettext: Callable[[str], str]) -> PlaceNames:
    """How `user` sees places: as written if they may read the workers' words."""
    if user.can("reports.words"):
        return AS_WRITTEN
    known = await TeamRepository(session).known_places(team_ids=user.scope)
    return PlaceNames(frozenset(known), gettext)
