"""The digest scheduler: due digests go once to the team's groups, restarts change nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.scheduler import DigestScheduler, latest_moment
from storage.models import DigestRun, OutboxMessage
from storage.repositories import DigestRepository, GroupRepository, TeamRepository
from tests.storage.builders import store_report

LONDON = ZoneInfo("Europe/London")
# Monday 23 March 2026 is in GMT; the clocks go forward on Sunday 29 March.
MON_23_9AM = datetime(2026, 3, 23, 9, tzinfo=UTC)
MON_30_9AM_BST = datetime(2026, 3, 30, 8, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def plain(language: str):  # noqa: ANN201 - the gettext_for shape
    def gettext(msgid: str, **params: object) -> str:
        return msgid.format(**params) if params else msgid
    return gettext


@pytest.fixture
async def teams(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Rosewood (Mondays 9:00, two active groups, one unlinked); Oak (Thursdays, one group)."""
    now = datetime(2026, 3, 1, tzinfo=UTC)
    async with sessionmaker.begin() as session:
        rose = await TeamRepository(session).create(name="Rosewood")
        oak = await TeamRepository(session).create(name="Oak")
        lonely = await TeamRepository(session).create(name="Lonely")
        oak.digest_weekday = 3
        for team in (rose, oak, lonely):  # set up long before the first digest
            team.created_at = now
        oak.digest_changed_at = now
        groups = GroupRepository(session)
        for chat_id, team in ((-101, rose), (-102, rose), (-103, rose), (-201, oak)):
            await groups.link(team_id=team.id, chat_id=chat_id, title="g", linked_by=1, now=now)
        await groups.deactivate(chat_id=-103, reason="unlink", now=now)
        return {"rose": rose.id, "oak": oak.id, "lonely": lonely.id}


def scheduler(sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> DigestScheduler:
    return DigestScheduler(sessionmaker, zone=LONDON, clock=clock, gettext_for=plain)


async def outbox(sessionmaker: async_sessionmaker[AsyncSession]) -> list[tuple[str, int]]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(OutboxMessage.batch, OutboxMessage.chat_id).order_by(OutboxMessage.id))
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def report_on(sessionmaker: async_sessionmaker[AsyncSession], team_id: int,
                    submitted: datetime) -> None:
    async with sessionmaker.begin() as session:
        await store_report(session, team_id, submitted_at=submitted,
                           occurred_date=submitted.date())


async def digest_text(sessionmaker: async_sessionmaker[AsyncSession], batches: list[str],
                      name: str, teams: dict[str, int]) -> str:
    [batch] = [b for b in batches if b.startswith(f"digest:{teams[name]}:")]
    async with sessionmaker() as session:
        texts = await session.scalars(select(OutboxMessage.text)
                                      .where(OutboxMessage.batch == batch).limit(1))
        return "".join(texts)


async def runs(sessionmaker: async_sessionmaker[AsyncSession],
               team_id: int) -> list[tuple[datetime, datetime]]:
    async with sessionmaker() as session:
        rows = await session.execute(select(DigestRun.period_start, DigestRun.period_end)
                                     .where(DigestRun.team_id == team_id)
                                     .order_by(DigestRun.period_start))
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def test_due_digest_goes_once_to_each_active_group_of_the_team(
        sessionmaker: async_sessionmaker[AsyncSession], teams: dict[str, int]) -> None:
    clock = Clock(datetime(2026, 3, 23, 9, 0, 30, tzinfo=UTC))
    batches = await scheduler(sessionmaker, clock).tick()
    rose = [b for b in batches if b.startswith(f"digest:{teams['rose']}:")]
    assert rose == [f"digest:{teams['rose']}:2026031609"]
    rows = await outbox(sessionmaker)
    assert sorted(chat for batch, chat in rows if batch == rose[0]) == [-102, -101]
    assert all(chat == -201 for batch, chat in rows if batch.startswith(f"digest:{teams['oak']}"))


async def test_second_tick_in_the_same_period_enqueues_nothing(
        sessionmaker: async_sessionmaker[AsyncSession], teams: dict[str, int]) -> None:
    clock = Clock(MON_23_9AM)
    digests = scheduler(sessionmaker, clock)
    await digests.tick()
    before = await outbox(sessionmaker)
    clock.now = datetime(2026, 3, 25, 17, tzinfo=UTC)
    assert await digests.tick() == []
    assert await outbox(sessionmaker) == before


async def test_restart_neither_repeats_nor_skips(
        sessionmaker: async_sessionmaker[AsyncSession], teams: dict[str, int]) -> None:
    clock = Clock(MON_23_9AM)
    await scheduler(sessionmaker, clock).tick()
    assert await scheduler(sessionmaker, clock).tick() == []  # a restart, same moment
    # Down over Monday 9:00, back up at 11:00: the missed digest is caught up, once.
    clock.now = datetime(2026, 3, 30, 10, tzinfo=UTC)
    batches = await scheduler(sessionmaker, clock).tick()
    assert f"digest:{teams['rose']}:2026032309" in batches
    assert f"digest:{teams['rose']}:2026032309" not in await scheduler(sessionmaker, clock).tick()


async def test_after_a_missed_week_one_digest_covers_both_weeks(
        sessionmaker: async_sessionmaker[AsyncSession], teams: dict[str, int]) -> None:
    clock = Clock(MON_23_9AM)
    await scheduler(sessionmaker, clock).tick()
    await report_on(sessionmaker, teams["rose"], datetime(2026, 3, 25, 10, tzinfo=UTC))
    clock.now = datetime(2026, 4, 8, 12, tzinfo=UTC)  # missed 30 March, now past 6 April
    batches = await scheduler(sessionmaker, clock).tick()
    assert [b for b in batches if b.startswith(f"digest:{teams['rose']}:")] == [
        f"digest:{teams['rose']}:2026033008"]
    assert [start for start, _ in await runs(sessionmaker, teams["rose"])] == [
        datetime(2026, 3, 16, 9, tzinfo=UTC), datetime(2026, 3, 30, 8, tzinfo=UTC)]
    assert "Near misses reported: 1" in await digest_text(sessionmaker, batches, "rose", teams)


async def test_a_digest_days_late_is_recorded_unsent_and_the_next_covers_it(
        sessionmaker: async_sessionmaker[AsyncSession], teams: dict[str, int]) -> None:
    clock = Clock(MON_23_9AM)
    await scheduler(sessionmaker, clock).tick()
    await report_on(sessionmaker, teams["rose"], datetime(2026, 3, 25, 10, tzinfo=UTC))
    clock.now = datetime(2026, 4, 3, 12, tzinfo=UTC)  # Friday: Monday's digest is stale news
    assert not [b for b in await scheduler(sessionmaker, clock).tick()
                if b.startswith(f"digest:{teams['rose']}:")]
    clock.now = datetime(2026, 4, 6, 8, 1, tzinfo=UTC)
    batches = await scheduler(sessionmaker, clock).tick()
    assert f"digest:{teams['rose']}:2026033008" in batches
    # The unsent week's report is in this one.
    assert "Near misses reported: 1" in await digest_text(sessionmaker, batches, "rose", teams)


async def test_a_new_team_waits_for_its_first_moment(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    wednesday = datetime(2026, 3, 25, 15, tzinfo=UTC)
    async with sessionmaker.begin() as session:
        team = await TeamRepository(session).create(name="New")
        team.created_at = wednesday
        await GroupRepository(session).link(team_id=team.id, chat_id=-301, title="g",
                                            linked_by=1, now=wednesday)
    clock = Clock(datetime(2026, 3, 25, 15, 1, tzinfo=UTC))
    assert await scheduler(sessionmaker, clock).tick() == []  # not Monday's, two days late
    clock.now = MON_30_9AM_BST
    assert await scheduler(sessionmaker, clock).tick() == [f"digest:{team.id}:2026032309"]
    async with sessionmaker() as session:
        runs_of_new = await session.scalars(
            select(DigestRun.sent).where(DigestRun.team_id == team.id)
            .order_by(DigestRun.period_end))
        assert list(runs_of_new) == [False, True]


async def test_a_changed_schedule_starts_at_its_next_moment_with_no_gap_or_overlap(
        sessionmaker: async_sessionmaker[AsyncSession], teams: dict[str, int]) -> None:
    clock = Clock(MON_23_9AM)
    await scheduler(sessionmaker, clock).tick()
    clock.now = datetime(2026, 3, 25, 12, tzinfo=UTC)  # Wednesday: Rosewood moves to Tuesdays
    async with sessionmaker.begin() as session:
        team = await TeamRepository(session).get(team_id=teams["rose"])
        assert team is not None
        team.digest_weekday = 1
        assert team.digest_changed_at is not None  # noted by the model, whoever changes it
        team.digest_changed_at = clock.now  # the test's clock, not the wall clock
    await report_on(sessionmaker, teams["rose"], datetime(2026, 3, 23, 14, tzinfo=UTC))
    await report_on(sessionmaker, teams["rose"], datetime(2026, 3, 20, 14, tzinfo=UTC))
    assert not [b for b in await scheduler(sessionmaker, clock).tick()
                if b.startswith(f"digest:{teams['rose']}:")]  # not yesterday's, at once
    clock.now = datetime(2026, 3, 31, 8, 0, 30, tzinfo=UTC)  # Tuesday 9:00 BST
    batches = await scheduler(sessionmaker, clock).tick()
    assert [b for b in batches if b.startswith(f"digest:{teams['rose']}:")] == [
        f"digest:{teams['rose']}:2026032409"]
    # From Monday's digest on: the report of Monday afternoon once, last week's none.
    assert "Near misses reported: 1" in await digest_text(sessionmaker, batches, "rose", teams)


async def test_a_team_without_groups_still_records_its_run(
        sessionmaker: async_sessionmaker[AsyncSession], teams: dict[str, int]) -> None:
    await scheduler(sessionmaker, Clock(MON_23_9AM)).tick()
    assert not [b for b, _ in await outbox(sessionmaker) if b.startswith(
        f"digest:{teams['lonely']}:")]
    async with sessionmaker() as session:
        run = await DigestRepository(session).last_run(team_id=teams["lonely"])
    assert run is not None and run.period_end == MON_23_9AM


async def test_monday_9am_is_local_time_across_the_clock_change(
        sessionmaker: async_sessionmaker[AsyncSession], teams: dict[str, int]) -> None:
    clock = Clock(MON_23_9AM)
    digests = scheduler(sessionmaker, clock)
    await digests.tick()
    clock.now = datetime(2026, 3, 30, 7, 59, tzinfo=UTC)  # 08:59 BST: not yet
    assert not [b for b in await digests.tick() if b.startswith(f"digest:{teams['rose']}:")]
    clock.now = MON_30_9AM_BST
    assert f"digest:{teams['rose']}:2026032309" in await digests.tick()
    assert (await runs(sessionmaker, teams["rose"]))[-1] == (MON_23_9AM, MON_30_9AM_BST)


@pytest.mark.parametrize(("now", "expected"), [
    (datetime(2026, 3, 30, 7, 59, tzinfo=UTC), MON_23_9AM),
    (MON_30_9AM_BST, MON_30_9AM_BST),
    (datetime(2026, 10, 26, 9, tzinfo=UTC), datetime(2026, 10, 26, 9, tzinfo=UTC)),  # GMT again
])
def test_latest_moment_follows_the_wall_clock(now: datetime, expected: datetime) -> None:
    assert latest_moment(now, weekday=0, hour=9, zone=LONDON) == expected
