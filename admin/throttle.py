"""Slowing password guessing without locking anyone out.

Failures are counted per address from one client, and per client whatever the address. A
few are free; past them each further failure doubles the wait before that client may try
again (for that address, or at all), up to a cap. The account itself is never locked: its
owner signing in from elsewhere is not held up by someone guessing from another client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import SignInFailureRepository
from storage.repositories.sign_ins import Failures


@dataclass(frozen=True)
class Rule:
    """`free` failures within `window` cost nothing; then waits from `first`, doubling."""

    free: int
    window: timedelta
    first: timedelta = timedelta(minutes=1)
    cap: timedelta = timedelta(hours=1)

    def wait(self, failures: Failures, now: datetime) -> timedelta | None:
        """How long the client must wait before trying again, or None."""
        if failures.count < self.free or failures.latest is None:
            return None
        delay = min(self.first * 2 ** (failures.count - self.free), self.cap)
        remaining = failures.latest + delay - now
        return remaining if remaining > timedelta(0) else None


ADDRESS_FROM_CLIENT = Rule(free=5, window=timedelta(days=1))
CLIENT = Rule(free=30, window=timedelta(hours=1))
# An address with this many failures in a day is listed for administrators.
REPEATED = 5
NOTICE_WINDOW = timedelta(days=1)


async def wait_before_trying(session: AsyncSession, *, email: str, client: str,
                             now: datetime) -> timedelta | None:
    """How long this client must wait before trying this address again, or None."""
    failures = SignInFailureRepository(session)
    waits = [
        ADDRESS_FROM_CLIENT.wait(await failures.by_address_and_client(
            email=email, client=client, since=now - ADDRESS_FROM_CLIENT.window), now),
        CLIENT.wait(await failures.by_client(client=client, since=now - CLIENT.window), now),
    ]
    return max((wait for wait in waits if wait is not None), default=None)


def minutes(wait: timedelta) -> int:
    """A wait in whole minutes, rounded up (at least 1), as people are told it."""
    return max(1, -(-int(wait.total_seconds()) // 60))
