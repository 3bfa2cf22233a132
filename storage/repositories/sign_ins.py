"""Failed admin sign-ins: counted to throttle guessing, listed so administrators notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SignInFailure

KEPT_FOR = timedelta(days=1)


@dataclass(frozen=True)
class Failures:
    """How many failures since some time, and when the latest was (None when none)."""

    count: int
    latest: datetime | None


@dataclass(frozen=True)
class RepeatedFailures:
    """An address that failed to sign in repeatedly: how often, from how many clients."""

    email: str
    count: int
    clients: int
    latest: datetime


class SignInFailureRepository:
    """Reads and writes failed sign-ins; the caller commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, *, email: str, client: str, now: datetime) -> None:
        """Record one failure, and forget those older than KEPT_FOR."""
        await self.session.execute(delete(SignInFailure)
                                   .where(SignInFailure.failed_at < now - KEPT_FOR))
        self.session.add(SignInFailure(email=email[:254], client=client[:64], failed_at=now))
        await self.session.flush()

    async def by_address_and_client(self, *, email: str, client: str,
                                    since: datetime) -> Failures:
        """Failures for this address from this client since `since`."""
        return await self._count((SignInFailure.email == email[:254])
                                 & (SignInFailure.client == client[:64]), since)

    async def by_client(self, *, client: str, since: datetime) -> Failures:
        """Failures from this client, whatever address it tried, since `since`."""
        return await self._count(SignInFailure.client == client[:64], since)

    async def forget(self, *, email: str, client: str) -> None:
        """Forget this address's failures from this client (it has just signed in)."""
        await self.session.execute(delete(SignInFailure).where(
            (SignInFailure.email == email[:254]) & (SignInFailure.client == client[:64])))

    async def repeated(self, *, since: datetime, at_least: int) -> list[RepeatedFailures]:
        """Addresses with at least `at_least` failures since `since`, most failures first."""
        count = func.count(SignInFailure.id)
        query = (select(SignInFailure.email, count,
                        func.count(func.distinct(SignInFailure.client)),
                        func.max(SignInFailure.failed_at))
                 .where(SignInFailure.failed_at >= since)
                 .group_by(SignInFailure.email).having(count >= at_least)
                 .order_by(count.desc(), SignInFailure.email))
        return [RepeatedFailures(email, total, clients, latest)
                for email, total, clients, latest in await self.session.execute(query)]

    async def _count(self, condition: ColumnElement[bool], since: datetime) -> Failures:
        query = (select(func.count(SignInFailure.id), func.max(SignInFailure.failed_at))
                 .where(condition, SignInFailure.failed_at >= since))
        total, latest = (await self.session.execute(query)).one()
        return Failures(total or 0, latest)
