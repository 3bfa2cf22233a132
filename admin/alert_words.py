"""A pattern alert in plain words, as one reader may see it: where it repeats, and what it is.

The label is made of the reports' words (redacted), so only those who may read the workers'
words see it; everyone else sees the reviewer's title alone. Typed places are shown as the
reader may see them (admin/places.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from admin.places import PlaceNames
from conversations import N_
from storage.repositories import TeamRepository
from storage.repositories.alert_views import AlertView, AlertViewRepository
from storage.stats_results import StatsScope

AT_PLACE = N_("At {place}, {team}")
ACROSS_TEAM = N_("Across {team}'s places")
ACROSS_TEAMS = N_("Across {count} teams")
AT_HOUR = N_("At about {time} across places")
ACROSS_PLACES = N_("Across places")


@dataclass(frozen=True)
class ClusterLine:
    """One alert as a row of the dashboard's or the governance report's repeat themes."""

    alert_id: int
    scope: str  # in plain words
    count: int
    first: date
    last: date
    words: str  # the label or the title, as the reader may see them; "" for none


def scope_words(view: AlertView, *, teams: Mapping[int, str], places: PlaceNames,
                gettext: Callable[..., str]) -> str:
    """Where the alert's reports repeat: "At Lounge, Rosewood", "Across 3 teams"..."""
    alert = view.alert
    team = teams.get(alert.team_id, "") if alert.team_id is not None else ""
    if alert.scope == "place" and alert.team_id is not None:
        return gettext(AT_PLACE, place=places.of(alert.team_id, alert.place), team=team)
    if alert.scope == "team" and alert.team_id is not None:
        return gettext(ACROSS_TEAM, team=team)
    if alert.scope == "time" and alert.hour is not None:
        return gettext(AT_HOUR, time=f"{alert.hour:02d}:00")
    if alert.scope == "organisation":
        return gettext(ACROSS_TEAMS, count=max(len(view.team_ids), 2))
    return gettext(ACROSS_PLACES)


def shown_words(view: AlertView, *, label: bool) -> str:
    """The title, and the label for those who may see it (`label`)."""
    title = view.alert.title or ""
    if not label or not view.alert.label:
        return title
    return f"{title} ({view.alert.label})" if title else view.alert.label


def cluster_lines(views: list[AlertView], *, teams: Mapping[int, str], places: PlaceNames,
                  gettext: Callable[..., str], label: bool) -> list[ClusterLine]:
    """The alerts as repeat themes, in the given order."""
    return [ClusterLine(view.alert.id, scope_words(view, teams=teams, places=places,
                                                   gettext=gettext),
                        view.alert.report_count, view.alert.first_date.date(),
                        view.alert.last_date.date(), shown_words(view, label=label))
            for view in views]


async def repeat_themes(session: AsyncSession, scope: StatsScope, *, places: PlaceNames,
                        gettext: Callable[..., str], label: bool) -> list[ClusterLine]:
    """The alerts of a period and teams (the dashboard's and governance report's repeat
    themes), largest first; `label` for readers who may see the workers' words."""
    views = await AlertViewRepository(session).clusters(
        team_ids=scope.team_ids, date_from=scope.date_from, date_to=scope.date_to)
    teams = {team.id: team.name for team in await TeamRepository(session).list()}
    return cluster_lines(views, teams=teams, places=places, gettext=gettext, label=label)
