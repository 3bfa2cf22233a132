"""Queue 'you said, we did' messages to a reporter when curation reaches them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from admin.i18n import AdminText
from learning import feedback
from storage.models import Action, Report, ReportIdentity
from storage.repositories import ActionRepository, OutboxRepository


async def _send(session: AsyncSession, report: Report, text: AdminText, batch: str,
                compose: Any) -> bool:
    """Enqueue one private message in the report's language; False when nobody to tell."""
    identity = await session.get(ReportIdentity, report.id)
    if identity is None:  # anonymous, or identity erased: nobody can be told
        return False
    language = text.translator.choose(report.language, None)

    def _(msgid: str, **params: object) -> str:
        return text.translator.gettext(msgid, language).format(**params)

    # The batch names the event, so saving the same curation twice queues nothing new.
    await OutboxRepository(session).enqueue(batch=batch, kind="feedback", messages=[
        (identity.telegram_user_id, False, compose(_))])
    return True


async def on_actions_agreed(session: AsyncSession, report: Report, text: AdminText) -> bool:
    """Tell the reporter which actions were agreed on their report."""
    actions = [a.description for a in await ActionRepository(session).list(report_id=report.id)
               if a.status != "not_doing"]
    if not actions:
        return False
    return await _send(session, report, text, f"feedback:{report.id}:agreed",
                       lambda _: feedback.actions_agreed(report.reference, actions, _))


async def on_action_done(session: AsyncSession, report: Report, action: Action,
                         text: AdminText) -> bool:
    """Tell the reporter that one action on their report is done, and what changed."""
    return await _send(session, report, text, f"feedback:{report.id}:action:{action.id}:done",
                       lambda _: feedback.action_done(report.reference, action.description,
                                                      action.outcome_evidence, _))
