"""Group chats: one-time link codes for team groups, and which groups each team has linked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqladmin import BaseView, expose
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin import params
from admin.roles import CurrentUser, require
from admin.services import Services
from conversations import N_
from storage.models import LinkCode
from storage.repositories import GroupRepository, OutboxRepository, TeamRepository

# Why a link ended, as GroupLink.deactivated_reason records it.
REASONS = {
    "unlink": N_("unlinked in the group"),
    "removed": N_("bot removed from the group"),
    "403": N_("Telegram refused messages to the group"),
    "admin": N_("unlinked in the admin panel"),
}


class GroupLinksView(BaseView):
    """Administrators make link codes; team leads spend them in their group with /link."""

    name = "Group chats"
    identity = "groups"
    icon = "fa-solid fa-people-group"
    services: Services

    def is_accessible(self, request: Request) -> bool:
        user = getattr(request.state, "nearmiss_user", None)
        return isinstance(user, CurrentUser) and user.can("manage")

    @expose("/groups", methods=["GET"], identity="groups")
    async def groups_page(self, request: Request) -> Response:
        user = require(request, "manage")
        return await self._page(request, user, new_code=None)

    @expose("/groups/{team_id:int}/code", methods=["POST"], identity="groups-code")
    async def make_code(self, request: Request) -> Response:
        user = require(request, "manage")
        async with self.services.unit_of_work(user) as session:
            team = await TeamRepository(session).get(team_id=params.record_id(request, "team_id"))
            if team is None:
                raise HTTPException(status_code=404)
            code = await GroupRepository(session).create_code(
                team_id=team.id, created_by=user.email, now=datetime.now(UTC))
        # Shown in this answer only: the code is never listed again, nor kept in the session.
        return await self._page(request, user, new_code=code)

    @expose("/groups/link/{link_id:int}/unlink", methods=["POST"], identity="groups-unlink")
    async def unlink(self, request: Request) -> Response:
        """Stop sending to a group from the admin (the group's own /unlink needs its admin)."""
        user = require(request, "manage")
        now = datetime.now(UTC)
        async with self.services.unit_of_work(user) as session:
            groups = GroupRepository(session)
            link = await groups.get_by_id(link_id=params.record_id(request, "link_id"))
            if link is None:
                raise HTTPException(status_code=404)
            if await groups.deactivate(chat_id=link.chat_id, reason="admin", now=now):
                # What was still waiting for that group is not sent after all.
                await OutboxRepository(session).fail_chat(chat_id=link.chat_id,
                                                          error="unlinked in the admin panel")
        return RedirectResponse(request.url_for("admin:view-groups"), status_code=303)

    @expose("/groups/code/{code_id:int}/cancel", methods=["POST"], identity="groups-cancel")
    async def cancel_code(self, request: Request) -> Response:
        """Withdraw a code not used yet (given to the wrong person, or no longer needed)."""
        user = require(request, "manage")
        async with self.services.unit_of_work(user) as session:
            cancelled = await GroupRepository(session).cancel_code(
                code_id=params.record_id(request, "code_id"), now=datetime.now(UTC))
        if cancelled is None:
            raise HTTPException(status_code=404)
        return RedirectResponse(request.url_for("admin:view-groups"), status_code=303)

    async def _page(self, request: Request, user: CurrentUser,
                    new_code: LinkCode | None) -> Response:
        async with self.services.unit_of_work(user) as session:
            teams = await TeamRepository(session).list()
            groups = GroupRepository(session)
            links = await groups.list()
            codes = await groups.open_codes(now=datetime.now(UTC))
        by_team: dict[int, list[Any]] = {team.id: [] for team in teams}
        for link in links:
            by_team.setdefault(link.team_id, []).append(link)
        open_codes: dict[int, list[LinkCode]] = {team.id: [] for team in teams}
        for code in codes:
            open_codes.setdefault(code.team_id, []).append(code)
        return await self.templates.TemplateResponse(request, "nearmiss/groups.html", {
            "title": self.services.text("Group chats"), "teams": teams, "links": by_team,
            "codes": open_codes, "new_code": new_code, "reasons": REASONS,
            "zone": self.services.settings.zone,
        })
