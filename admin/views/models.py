"""Declarative SQLAdmin views: one per managed model. Who may use each is in admin/auth.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from markupsafe import Markup, escape
from sqladmin import ModelView
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from starlette.requests import Request
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import ValidationError

from admin.roles import current_user
from admin.security import hash_password, password_problem
from storage.identity import CONTACT_ROLES
from storage.models import Action, AdminUser, Category, Place, Report, Reporter, Team, TeamContact
from storage.repositories import new_join_code
from storage.stats import WEEKDAYS
from storage.vocab import ROLES

# SQLAdmin's forms speak English, like the other Setup pages; the bot never shows these.
CONTACT_ROLE_NAMES = dict(zip(CONTACT_ROLES, ("On call", "Safeguarding"), strict=True))


class TeamAdmin(ModelView, model=Team):
    name, name_plural, icon, category = "Team", "Teams", "fa-solid fa-people-group", "Setup"
    column_list = [Team.name, Team.code, Team.digest_weekday, Team.digest_hour, Team.language,
                   Team.created_at]
    column_searchable_list = [Team.name]
    form_columns = [Team.name, Team.digest_weekday, Team.digest_hour, Team.language]
    # Selects, so an out-of-range day, hour or unshipped language cannot be submitted.
    form_overrides = {"digest_weekday": SelectField, "digest_hour": SelectField,
                      "language": SelectField}
    form_args = {
        "digest_weekday": {"label": "Digest day", "coerce": int,
                           "choices": list(enumerate(WEEKDAYS))},
        "digest_hour": {"label": "Digest hour (organisation's time zone)", "coerce": int,
                        "choices": [(h, f"{h:02d}:00") for h in range(24)]},
        "language": {"label": "Digest language",
                     "choices": [("en", "English"), ("cy", "Cymraeg")]},
    }
    column_formatters = {Team.digest_weekday: lambda m, a: WEEKDAYS[m.digest_weekday]
                         if 0 <= m.digest_weekday < 7 else m.digest_weekday}
    can_delete = False  # a team's reports are records to keep

    async def on_model_change(self, data: dict, model: Any, is_created: bool,
                              request: Request) -> None:
        if is_created:
            model.code = new_join_code()


class PlaceAdmin(ModelView, model=Place):
    name, name_plural, icon, category = "Place", "Places", "fa-solid fa-location-dot", "Setup"
    column_list = [Place.team, Place.name, Place.position, Place.active]
    form_columns = [Place.team, Place.name, Place.position, Place.active]
    column_sortable_list = [Place.name, Place.position]


class CategoryAdmin(ModelView, model=Category):
    name, name_plural, icon, category = "Category", "Categories", "fa-solid fa-tags", "Setup"
    column_list = [Category.key, Category.name, Category.position, Category.active]
    form_columns = [Category.key, Category.name, Category.position, Category.active]
    can_delete = False  # reports keep their category key; retire it with "active" instead


class ReporterAdmin(ModelView, model=Reporter):
    name, name_plural, icon, category = "Reporter", "Reporters", "fa-solid fa-user", "Setup"
    column_list = [Reporter.id, Reporter.team, Reporter.language, Reporter.created_at]
    form_columns = [Reporter.team]
    can_create = False
    can_delete = False


class AdminUserAdmin(ModelView, model=AdminUser):
    name, name_plural, icon, category = "User", "Users", "fa-solid fa-user-shield", "Setup"
    column_list = [AdminUser.email, AdminUser.role, AdminUser.active, AdminUser.teams,
                   AdminUser.last_login_at, AdminUser.locked_until]
    column_details_exclude_list = [AdminUser.password_hash]
    form_columns = [AdminUser.email, AdminUser.role, AdminUser.active, AdminUser.teams,
                    AdminUser.password_hash]
    form_overrides = {"role": SelectField, "password_hash": PasswordField}
    form_args = {
        "role": {"choices": [(role, role) for role in ROLES]},
        "password_hash": {"label": "New password (leave empty to keep the current one)"},
    }

    async def on_model_change(self, data: dict, model: Any, is_created: bool,
                              request: Request) -> None:
        data["email"] = str(data.get("email", "")).strip().lower()
        password = data.pop("password_hash", None) or ""
        if not password:
            if is_created:
                raise ValidationError("A new user needs a password.")
            return
        problem = password_problem(password)
        if problem:
            raise ValidationError(f"Password: {problem}.")
        data["password_hash"] = hash_password(password)
        model.failed_logins, model.locked_until = 0, None


class TeamContactAdmin(ModelView, model=TeamContact):
    """Who hears at once, privately, when a worker reports harm or a safeguarding concern."""

    name, name_plural, icon, category = ("Contact", "On-call and safeguarding contacts",
                                         "fa-solid fa-phone", "Setup")
    column_list = [TeamContact.team, TeamContact.name, TeamContact.role,
                   TeamContact.telegram_user_id, TeamContact.active]
    column_labels = {TeamContact.telegram_user_id: "Telegram number"}
    column_formatters = {TeamContact.role: lambda m, a: CONTACT_ROLE_NAMES.get(m.role, m.role)}
    column_sortable_list = [TeamContact.name, TeamContact.role]
    form_columns = [TeamContact.team, TeamContact.name, TeamContact.role,
                    TeamContact.telegram_user_id, TeamContact.active]
    form_overrides = {"role": SelectField, "telegram_user_id": StringField}
    form_args = {
        "role": {"choices": list(CONTACT_ROLE_NAMES.items())},
        "telegram_user_id": {
            "label": "Telegram number",
            "description": "The contact sends /myid to the bot, which answers with this "
                           "number. They must have started the bot to receive alerts."},
    }

    async def on_model_change(self, data: dict, model: Any, is_created: bool,
                              request: Request) -> None:
        number = str(data.get("telegram_user_id") or "").strip()
        if not (number.isascii() and number.isdigit() and 0 < int(number) < 2**63):
            raise ValidationError("Telegram number: the digits the bot's /myid command gives.")
        data["telegram_user_id"] = int(number)
        data["name"] = str(data.get("name") or "").strip()
        if not data["name"]:
            raise ValidationError("A contact needs a name.")


def _report_link(model: Any, attribute: Any) -> Markup:
    reference = escape(model.report.reference)
    return Markup(f'<a href="../../reports/{model.report_id}">{reference}</a>')


def _overdue(model: Any, attribute: Any) -> Markup:
    late = model.status == "open" and model.due_date is not None and model.due_date < date.today()
    text = escape(model.due_date.isoformat() if model.due_date else "")
    return Markup(f'<span class="badge bg-red text-white">{text}</span>') if late else text


class ActionAdmin(ModelView, model=Action):
    """Every action across the teams a person may see; edited on the report page."""

    name, name_plural, icon = "Action", "Actions", "fa-solid fa-list-check"
    column_list = [Action.report, Action.description, Action.owner, Action.due_date,
                   Action.status, Action.completed_date]
    column_formatters = {Action.report: _report_link, Action.due_date: _overdue}
    non_link_related_fields = [Action.report]  # _report_link is the link; no <a> around it
    column_sortable_list = [Action.due_date, Action.status, Action.owner]
    column_default_sort = [(Action.due_date, False)]
    can_create = False
    can_edit = False
    can_delete = False

    def list_query(self, request: Request) -> Select:
        query = select(Action).join(Report, Report.id == Action.report_id)
        scope = current_user(request).scope
        return query if scope is None else query.where(Report.team_id.in_(scope))

    def count_query(self, request: Request) -> Select:
        from sqlalchemy import func

        query = select(func.count(Action.id)).join(Report, Report.id == Action.report_id)
        scope = current_user(request).scope
        return query if scope is None else query.where(Report.team_id.in_(scope))

    def details_query(self, request: Request) -> Select:
        # The details page shows the report's reference: load it with the action.
        return self.list_query(request).options(selectinload(Action.report)).where(
            Action.id == request.path_params["pk"])


MODEL_VIEWS = (TeamAdmin, PlaceAdmin, CategoryAdmin, ReporterAdmin, TeamContactAdmin,
               AdminUserAdmin, ActionAdmin)
