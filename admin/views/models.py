"""Declarative SQLAdmin views: one per managed model, for administrators (admin/auth.py).

Actions are not here: they have their own tracker (admin/views/actions.py)."""

from __future__ import annotations

from typing import Any

from sqladmin import ModelView
from starlette.requests import Request
from wtforms import Form, PasswordField, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from admin.security import hash_password, password_problem
from storage.identity import CONTACT_ROLES
from storage.models import AdminUser, Category, Place, Reporter, Team, TeamContact
from storage.repositories import new_join_code
from storage.repositories.admins import checked_email
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
                   AdminUser.last_login_at]
    column_details_exclude_list = [AdminUser.password_hash, AdminUser.session_version,
                                   AdminUser.totp_secret, AdminUser.totp_last_step]
    form_columns = [AdminUser.email, AdminUser.role, AdminUser.active, AdminUser.teams,
                    AdminUser.password_hash]
    form_overrides = {"role": SelectField}
    form_args = {"role": {"choices": [(role, role) for role in ROLES]}}

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        """The model's form, with a password field that may stay empty.

        SQLAdmin marks every non-null column required; an empty password here means "keep
        the current one", so changing a role or deactivating someone needs no new password.
        A new user without one is refused in on_model_change.
        """
        form = await super().scaffold_form(rules)
        form.password_hash = PasswordField(
            "New password (leave empty to keep the current one)", validators=[Optional()])
        return form

    async def on_model_change(self, data: dict, model: Any, is_created: bool,
                              request: Request) -> None:
        # A new password, role or active flag ends the user's sessions (storage.models.admins).
        try:
            data["email"] = checked_email(str(data.get("email", "")))
        except ValueError as error:
            raise ValidationError(f"Email: {error}.") from None
        password = data.pop("password_hash", None) or ""
        if not password:
            if is_created:
                raise ValidationError("A new user needs a password.")
            return
        problem = password_problem(password, personal=[data["email"]])
        if problem:
            raise ValidationError(f"Password: {problem}.")
        data["password_hash"] = hash_password(password)


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


MODEL_VIEWS = (TeamAdmin, PlaceAdmin, CategoryAdmin, ReporterAdmin, TeamContactAdmin,
               AdminUserAdmin)
