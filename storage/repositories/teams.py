"""Teams, their join codes and their places."""

from __future__ import annotations

import builtins
import secrets
from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import hot
from storage.models import Place, Team
from storage.schemas import TeamRow

# No 0/O, 1/I/L: codes are read aloud at handovers and typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_MAX = 16  # the column's length: no code is longer
_CODE_ATTEMPTS = 10
# Built once, asked every update: see storage/fsm.py on prebuilt statements.
_PLACE = Place.__table__
_PLACE_NAMES = hot.Hot(select(_PLACE.c.name)
                       .where(_PLACE.c.team_id == bindparam("team"), _PLACE.c.active.is_(True))
                       .order_by(_PLACE.c.position, _PLACE.c.name))
_TEAM = Team.__table__
_TEAM_BY_CODE = hot.Hot(select(_TEAM.c.id, _TEAM.c.name).where(_TEAM.c.code == bindparam("code")))
_PLACE_ID = hot.Hot(select(_PLACE.c.id).where(_PLACE.c.team_id == bindparam("team"),
                                              _PLACE.c.name == bindparam("name"),
                                              _PLACE.c.active.is_(True)))


def new_join_code() -> str:
    """Return a random join code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """Normalise a typed code: no spaces or dashes, upper case."""
    return code.strip().upper().replace(" ", "").replace("-", "")


def could_be_code(text: str) -> bool:
    """Whether typed text could be a join code at all: letters and digits in one or two groups
    (a code may be typed with a space or a dash in the middle), no longer than a code can be.
    A sentence cannot, nor a date or a time."""
    parts = text.replace("-", " ").split()
    joined = "".join(parts)
    return 0 < len(parts) <= 2 and joined.isalnum() and len(joined) <= CODE_MAX


class TeamRepository:
    """Reads and writes teams and places."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, *, name: str, places: Sequence[str] = ()) -> Team:
        """Create a team with a fresh join code and its places in the given order."""
        team = Team(name=name.strip(), code=await self._unused_code())
        team.places = [Place(name=p.strip(), position=i) for i, p in enumerate(places)]
        self.session.add(team)
        await self.session.flush()
        return team

    async def get(self, *, team_id: int) -> Team | None:
        """Return a team by id."""
        return await self.session.get(Team, team_id)

    async def get_by_code(self, *, code: str) -> TeamRow | None:
        """Return the team a typed join code belongs to (its id and name: what joining
        needs, read without the ORM and the places it would load along)."""
        normalised = normalise_code(code)
        if not normalised:
            return None
        row = await hot.first(self.session, _TEAM_BY_CODE, {"code": normalised})
        return TeamRow(id=row[0], name=row[1]) if row is not None else None

    async def get_by_name(self, *, name: str) -> Team | None:
        """Return a team by its exact name."""
        return await self.session.scalar(select(Team).where(Team.name == name.strip()))

    async def list(self) -> builtins.list[Team]:
        """Return all teams by name."""
        return list(await self.session.scalars(select(Team).order_by(Team.name)))

    async def place_names(self, *, team_id: int) -> builtins.list[str]:
        """A team's active places' names in button order (plain columns: asked every update)."""
        return [name for name, in await hot.rows(self.session, _PLACE_NAMES, {"team": team_id})]

    async def place_id(self, *, team_id: int, name: str) -> int | None:
        """The id of the team's active place named exactly `name`; None for a typed place."""
        row = await hot.first(self.session, _PLACE_ID, {"team": team_id, "name": name})
        return row[0] if row is not None else None

    async def known_places(
            self, *, team_ids: Sequence[int] | None) -> builtins.set[tuple[int, str]]:
        """(team id, name) of every place of these teams (None: every team), retired ones
        too: the places an administrator named, as against those workers typed."""
        query = select(Place.team_id, Place.name)
        if team_ids is not None:
            query = query.where(Place.team_id.in_(list(team_ids)))
        return {(team_id, name) for team_id, name in await self.session.execute(query)}

    async def places(self, *, team_id: int) -> builtins.list[Place]:
        """Return a team's active places in button order."""
        query = (
            select(Place)
            .where(Place.team_id == team_id, Place.active.is_(True))
            .order_by(Place.position, Place.name)
        )
        return list(await self.session.scalars(query))

    async def add_place(self, *, team_id: int, name: str) -> Place:
        """Add a place after the team's others; a duplicate name raises IntegrityError."""
        team = await self.session.get(Team, team_id)
        if team is None:
            raise LookupError(f"no team with id {team_id}")
        position = max((p.position for p in team.places), default=-1) + 1
        place = Place(name=name.strip(), position=position)
        # Through the collection, so a team already loaded in this session sees the new place.
        team.places.append(place)
        await self.session.flush()
        return place

    async def _unused_code(self) -> str:
        """Return a join code no team has yet."""
        for _ in range(_CODE_ATTEMPTS):
            code = new_join_code()
            if await self.session.scalar(select(Team.id).where(Team.code == code)) is None:
                return code
        raise RuntimeError("could not find an unused join code")  # 31**8 codes: never expected
