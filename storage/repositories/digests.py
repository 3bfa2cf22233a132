"""Team digests: what goes in one, and the run row that makes each happen exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialects import upsert_insert
from storage.models import Action, Category, DigestRun, Report, Team, utcnow
from storage.repositories.alert_views import AlertViewRepository
from storage.schemas import DigestFacts
from storage.stats import summary
from storage.stats_results import StatsScope
from storage.written import changed_rows

LEARNING_STATUSES = ("actions_agreed", "closed")
_LEARNING_POINTS = 2


class DigestRepository:
    """Gathers a team's digest and records which periods have run; the caller commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def facts_for(self, *, team: Team, start: datetime, end: datetime,
                        today: date) -> DigestFacts:
        """Gather a team's digest for [start, end), both aware and in the organisation's zone.

        Reports count by the local days start.date() .. end.date() - 1, so consecutive
        periods share no day: occurred_date has no time of day to split a day by.
        """
        first, last = start.date(), end.date() - timedelta(days=1)
        scope = StatsScope(team_ids=(team.id,), date_from=first, date_to=last)
        stats = await summary(self.session, scope, today=today)
        return DigestFacts(
            team=team.name, start=first, end=end.date(), reports=stats.total,
            language=team.language,
            categories=[(b.label, b.count) for b in stats.by_category],
            places=[(p.place, p.count) for p in stats.by_place],
            themes=await self._themes(team, first, last),
            actions=await self._completed(team.id, first, last),
            learning=await self._learning(team.id, start, end),
        )

    async def _themes(self, team: Team, first: date, last: date) -> list[tuple[str, str, int]]:
        """The team's own pattern alerts (at one place, or across its places) that grew this
        period, largest first: named by a reviewer's title, else by their reports' commonest
        category; never by the label, which is made of the workers' words."""
        views = await AlertViewRepository(self.session).clusters(
            team_ids=(team.id,), date_from=first, date_to=last)
        names: dict[str, str] = dict(
            (await self.session.execute(select(Category.key, Category.name))).tuples().all())
        themes = []
        for view in views:
            alert = view.alert
            if alert.team_id != team.id or alert.last_date.date() < first:
                continue
            common = Counter(member.category for member in view.members).most_common(1)
            kind = names.get(common[0][0], common[0][0]) if common else ""
            themes.append((alert.title or kind, alert.place or team.name, alert.report_count))
        return themes

    async def _completed(self, team_id: int, first: date,
                         last: date) -> list[tuple[str, str | None]]:
        query = (select(Action.description, Action.outcome_evidence)
                 .join(Report, Report.id == Action.report_id)
                 .where(Report.team_id == team_id, Action.status == "done",
                        Action.completed_date >= first, Action.completed_date <= last)
                 .order_by(Action.completed_date, Action.id))
        return [(d, e) for d, e in (await self.session.execute(query)).all()]

    async def _learning(self, team_id: int, start: datetime, end: datetime) -> list[str]:
        """Redacted summaries of reports reviewed in the period; nothing else of a report."""
        # Reviewed, not occurred, in the period: a report is rarely curated the week it happens.
        query = (select(Report.redacted_summary)
                 .where(Report.team_id == team_id, Report.status.in_(LEARNING_STATUSES),
                        Report.redacted_summary.is_not(None), Report.redacted_summary != "",
                        Report.updated_at >= start, Report.updated_at < end)
                 .order_by(Report.updated_at.desc(), Report.id.desc())
                 .limit(_LEARNING_POINTS))
        return [s for s in await self.session.scalars(query) if s and s.strip()]

    async def record_run(self, *, team_id: int, period_start: datetime,
                         period_end: datetime, sent: bool = True) -> bool:
        """Claim a team's period; False when it already ran (insert-or-ignore on the unique)."""
        insert = upsert_insert(self.session, DigestRun.__table__).values(
            team_id=team_id, period_start=period_start, period_end=period_end, sent=sent,
            created_at=utcnow())
        statement = insert.on_conflict_do_nothing(index_elements=["team_id", "period_start"])
        result = await self.session.execute(statement)
        return changed_rows(result) == 1

    async def last_run(self, *, team_id: int, sent: bool | None = None) -> DigestRun | None:
        """Return the team's latest recorded period (only sent ones if sent=True), or None."""
        query = select(DigestRun).where(DigestRun.team_id == team_id)
        if sent is not None:
            query = query.where(DigestRun.sent.is_(sent))
        query = query.order_by(DigestRun.period_end.desc()).limit(1)
        return await self.session.scalar(query)
