"""Admin panel users (roles, teams, two-factor secrets) and the report categories."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import hot
from storage.models import AdminUser, Category, Team
from storage.repositories.reporters import UNSET, Unset
from storage.vocab import ROLES

# Built once, asked every update: see storage/fsm.py on prebuilt statements.
_CATEGORY = Category.__table__
_CHOICES = hot.Hot(select(_CATEGORY.c.key, _CATEGORY.c.name)
                   .where(_CATEGORY.c.active.is_(True))
                   .order_by(_CATEGORY.c.position, _CATEGORY.c.id))


def normalise_email(email: str) -> str:
    """Normalise an email for storage and look-up: stripped, lower-case."""
    return email.strip().lower()


def checked_email(email: str) -> str:
    """The address normalised for storage, or ValueError saying what is wrong with it.

    Syntax only (no DNS look-up): an organisation's addresses may not resolve from here.
    """
    try:
        return normalise_email(validate_email(email.strip(), check_deliverability=False)
                               .normalized)
    except EmailNotValidError as error:
        raise ValueError(f"not an email address: {error}") from None


class AdminUserRepository:
    """Reads and writes admin panel users."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, *, user_id: int) -> AdminUser | None:
        """Return an admin user by id."""
        return await self.session.get(AdminUser, user_id)

    async def get_by_email(self, *, email: str) -> AdminUser | None:
        """Return the admin user with this email (case and spaces forgiven)."""
        query = select(AdminUser).where(AdminUser.email == normalise_email(email))
        return await self.session.scalar(query)

    async def list(self) -> builtins.list[AdminUser]:
        """Return every admin user by email."""
        return list(await self.session.scalars(select(AdminUser).order_by(AdminUser.email)))

    async def action_owners(self, *, team_ids: Sequence[int] | None) -> builtins.list[AdminUser]:
        """Active users who may own an action of any of these teams (None: of any team).

        Administrators work with every team; reviewers with their own. Viewers own no
        actions: they cannot record what was done.
        """
        reviewers = AdminUser.role == "reviewer"
        if team_ids is not None:
            reviewers = and_(reviewers, AdminUser.teams.any(Team.id.in_(tuple(team_ids))))
        query = (select(AdminUser)
                 .where(AdminUser.active.is_(True), or_(AdminUser.role == "admin", reviewers))
                 .order_by(AdminUser.email))
        return list(await self.session.scalars(query))

    async def count(self) -> int:
        """Return how many admin users there are."""
        return await self.session.scalar(select(func.count()).select_from(AdminUser)) or 0

    async def create(
        self, *, email: str, password_hash: str, role: str, team_ids: Iterable[int] = ()
    ) -> AdminUser:
        """Create an admin user; a duplicate email raises IntegrityError."""
        user = AdminUser(email=checked_email(email), password_hash=password_hash,
                         role=_checked_role(role))
        user.teams = await self._teams(team_ids)
        self.session.add(user)
        await self.session.flush()
        return user

    async def update(
        self,
        user: AdminUser,
        *,
        role: str | Unset = UNSET,
        active: bool | Unset = UNSET,
        password_hash: str | Unset = UNSET,
        team_ids: Iterable[int] | Unset = UNSET,
    ) -> AdminUser:
        """Change the given fields of an admin user; fields not passed are left alone.

        A new password, role or active flag ends the user's sessions (storage.models.admins).
        """
        if role is not UNSET:
            user.role = _checked_role(role)
        if active is not UNSET:
            user.active = active
        if password_hash is not UNSET:
            user.password_hash = password_hash
        if team_ids is not UNSET:
            user.teams = await self._teams(team_ids)
        await self.session.flush()
        return user

    async def record_login(self, user: AdminUser, *, now: datetime) -> AdminUser:
        """Record a successful sign-in."""
        user.last_login_at = now
        await self.session.flush()
        return user

    async def end_sessions(self, user: AdminUser) -> None:
        """Sign the user out everywhere: every cookie issued so far stops working."""
        user.session_version += 1
        await self.session.flush()

    async def set_totp(self, user: AdminUser, *, secret: str | None, step: int | None) -> None:
        """Enrol (or, with None, remove) the user's TOTP secret; step is the code just used."""
        user.totp_secret, user.totp_last_step = secret, step
        await self.session.flush()

    async def use_totp_step(self, user: AdminUser, *, step: int) -> bool:
        """Mark a code's time step as used; False when it (or a later one) already was."""
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return False
        user.totp_last_step = step
        await self.session.flush()
        return True

    async def _teams(self, team_ids: Iterable[int]) -> builtins.list[Team]:
        """Return the teams with these ids, or raise LookupError naming the missing ones."""
        wanted = set(team_ids)
        if not wanted:
            return []
        teams = list(await self.session.scalars(select(Team).where(Team.id.in_(wanted))))
        missing = wanted - {team.id for team in teams}
        if missing:
            raise LookupError(f"no teams with ids {sorted(missing)}")
        return sorted(teams, key=lambda team: team.name)


class CategoryRepository:
    """Reads and writes the report categories."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self, *, active_only: bool = True) -> builtins.list[Category]:
        """Return the categories in button order, only the active ones unless told."""
        query = select(Category).order_by(Category.position, Category.id)
        if active_only:
            query = query.where(Category.active.is_(True))
        return list(await self.session.scalars(query))

    async def choices(self) -> builtins.list[tuple[str, str]]:
        """The active categories' (key, name) in button order (plain columns: asked every
        update, where loading whole objects cost more than the query)."""
        return [(key, name) for key, name in await hot.rows(self.session, _CHOICES, {})]

    async def get_by_key(self, *, key: str) -> Category | None:
        """Return a category by its key."""
        return await self.session.scalar(select(Category).where(Category.key == key.strip()))

    async def create(self, *, key: str, name: str) -> Category:
        """Add a category after the others; a duplicate key raises IntegrityError."""
        last = await self.session.scalar(select(func.max(Category.position)))
        position = 0 if last is None else last + 1
        category = Category(key=key.strip(), name=name.strip(), position=position)
        self.session.add(category)
        await self.session.flush()
        return category


def _checked_role(role: str) -> str:
    """Return the role if it is one of ROLES, else raise ValueError."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    return role
