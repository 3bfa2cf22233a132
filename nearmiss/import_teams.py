"""The teams and places an import names, found by name (ignoring case), or created with
--create-missing through the checks `nearmiss team add` makes (nearmiss/teams.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from nearmiss.import_rows import ImportRow, RowError
from nearmiss.teams import checked_team
from storage.repositories import TeamRepository


def folded(name: str) -> str:
    """A team's or place's name as compared: case and repeated spaces ignored."""
    return " ".join(name.casefold().split())


@dataclass
class TeamEntry:
    """A team as the import needs it; id None until created."""

    name: str
    id: int | None = None
    language: str = "en"
    # Folded name -> (place id, or None for a retired or new place; the name as stored).
    places: dict[str, tuple[int | None, str]] = field(default_factory=dict)
    new_places: list[str] = field(default_factory=list)


@dataclass
class Directory:
    """Every team and its places, and what the import must create."""

    teams: dict[str, TeamEntry]
    rejected_lines: set[int] = field(default_factory=set)

    @classmethod
    async def load(cls, session: AsyncSession) -> Directory:
        repo = TeamRepository(session)
        teams = {folded(team.name): TeamEntry(team.name, team.id, team.language)
                 for team in await repo.list()}
        by_id = {entry.id: entry for entry in teams.values()}
        for team_id, name in await repo.known_places(team_ids=None):  # retired ones too
            by_id[team_id].places.setdefault(folded(name), (None, name))
        for entry in teams.values():
            assert entry.id is not None
            for place in await repo.places(team_id=entry.id):  # active: offered, with an id
                entry.places[folded(place.name)] = (place.id, place.name)
        return cls(teams)

    def place_of(self, row: ImportRow) -> tuple[int, str, int | None, str]:
        """The row's team's id and language, and its place's id (None for a retired place)
        and name as stored; once create_missing has run."""
        team = self.teams[folded(row.team)]
        place_id, name = team.places[folded(row.place)]
        assert team.id is not None, "create_missing() first"
        return team.id, team.language, place_id, name

    async def create_missing(self, session: AsyncSession) -> None:
        """Create the teams and places resolve() planned (the caller commits)."""
        repo = TeamRepository(session)
        for entry in self.teams.values():
            if entry.id is None:
                team = await repo.create(name=entry.name, places=entry.new_places)
                entry.id, entry.language = team.id, team.language
                for place in team.places:
                    entry.places[folded(place.name)] = (place.id, place.name)
            else:
                for name in entry.new_places:
                    place = await repo.add_place(team_id=entry.id, name=name)
                    entry.places[folded(name)] = (place.id, place.name)
            entry.new_places = []


def resolve(rows: Sequence[ImportRow], directory: Directory, *, create_missing: bool,
            reject: Callable[[RowError], None]) -> None:
    """Find each row's team and place; plan what is missing (create_missing) or reject the
    row naming it. A name `nearmiss team add` would refuse rejects the rows using it."""
    for row in rows:
        if problem := _place_problem(row, directory, create_missing=create_missing):
            directory.rejected_lines.add(row.line)
            reject(RowError(row.line, (problem,)))


def _place_problem(row: ImportRow, directory: Directory, *, create_missing: bool) -> str | None:
    team = directory.teams.get(folded(row.team))
    if team is None and not create_missing:
        return (f"team {row.team!r} not found (add it with `nearmiss team add`, or import "
                f"with --create-missing)")
    if team is not None and folded(row.place) in team.places:
        return None
    if not create_missing:
        return (f"place {row.place!r} is not one of {team.name!r}'s places (add it in the "
                f"admin, or import with --create-missing)" if team is not None else None)
    try:
        name, [place] = checked_team(row.team if team is None else team.name, [row.place])
    except ValueError as error:
        return f"cannot create it: {error}"
    if team is None:
        team = directory.teams[folded(name)] = TeamEntry(name)
    team.places[folded(place)] = (None, place)
    team.new_places.append(place)
    return None
