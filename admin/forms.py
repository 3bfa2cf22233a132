"""Reading the admin's query strings and forms into typed values, refusing what is not valid."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from starlette.datastructures import FormData

from conversations import N_
from storage.schemas import ActionFilters, ReportFilters
from storage.stats import PARTS_OF_DAY
from storage.vocab import ACTION_LIST_STATUSES, FACTORS, REPORT_STATUSES, SEVERITIES, TIERS

SORTS = ("-submitted_at", "submitted_at", "-occurred_date", "occurred_date", "reference",
         "category", "status")
FLAGS = ("safeguarding_referral", "commissioner_notified", "family_informed")
REVIEW_TEXT = ("review_what", "review_why", "review_conditions", "review_change",
               "redacted_summary", "redacted_prevented")
TEXT_LIMIT = 10_000


def parse_date(value: Any) -> date | None:
    """An ISO date from a form or query string; None when empty or not a date."""
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _choice(value: Any, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


def read_filters(query: Mapping[str, str], scope: tuple[int, ...] | None, *,
                 words: bool) -> tuple[ReportFilters, int]:
    """Filters from the list page's query string, narrowed to the teams the user may see and,
    unless `words`, to searching what they may read (ReportFilters.words)."""
    team = _int(query.get("team"))
    team_ids = scope
    if team is not None:
        team_ids = (team,) if scope is None or team in scope else ()
    filters = ReportFilters(
        date_from=parse_date(query.get("date_from")),
        date_to=parse_date(query.get("date_to")),
        team_ids=team_ids,
        place=(query.get("place") or "").strip() or None,
        category=(query.get("category") or "").strip() or None,
        status=_choice(query.get("status"), REPORT_STATUSES),
        tier=_choice(query.get("tier"), TIERS),
        time_of_day=_choice(query.get("time_of_day"), PARTS_OF_DAY),
        text=(query.get("q") or "").strip()[:200] or None,
        sort=_choice(query.get("sort"), SORTS) or "-submitted_at",
        words=words,
    )
    return filters, max(1, _int(query.get("page")) or 1)


def read_action_filters(query: Mapping[str, str], scope: tuple[int, ...] | None, *,
                        owner_user_id: int | None = None) -> tuple[ActionFilters, int]:
    """The action tracker's filters and page; ValueError names the first value not valid.

    A team outside the user's own gives an empty list, as on the reports list; owner_user_id
    fixes the owner (the My actions page) whatever the query says.
    """
    team = _whole_number(query.get("team"), N_("Choose a team from the list."))
    owner = _whole_number(query.get("owner"), N_("Choose an owner from the list."))
    status = query.get("status") or None
    if status is not None and status not in ACTION_LIST_STATUSES:
        raise ValueError(N_("Choose a status from the list."))
    due_from = _iso_date(query.get("due_from"), N_("Due from: enter a date as YYYY-MM-DD."))
    due_to = _iso_date(query.get("due_to"), N_("Due by: enter a date as YYYY-MM-DD."))
    page = _whole_number(query.get("page"), N_("The page number must be a whole number."))
    team_ids = scope
    if team is not None:
        team_ids = (team,) if scope is None or team in scope else ()
    filters = ActionFilters(team_ids=team_ids, owner_user_id=owner_user_id or owner,
                            status=status, due_from=due_from, due_to=due_to)
    return filters, max(1, page or 1)


def _whole_number(value: str | None, problem: str) -> int | None:
    """A positive whole number from a query string, None when empty, else ValueError."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise ValueError(problem)
    return int(value)


def _iso_date(value: str | None, problem: str) -> date | None:
    """An ISO date from a query string, None when empty, else ValueError."""
    if not value:
        return None
    found = parse_date(value)
    if found is None:
        raise ValueError(problem)
    return found


def curation_changes(form: FormData) -> dict[str, Any]:
    """The curation fields posted by the report page; ValueError on anything off-vocabulary."""
    status = form.get("status")
    if status not in REPORT_STATUSES:
        raise ValueError(N_("Choose a status from the list."))
    severity = form.get("severity") or None
    tier = form.get("tier") or None
    if severity is not None and severity not in SEVERITIES:
        raise ValueError(N_("Choose a potential severity from the list."))
    if tier is not None and tier not in TIERS:
        raise ValueError(N_("Choose a response tier from the list."))
    factors = [str(value) for value in form.getlist("factors")]
    if not set(factors) <= set(FACTORS):
        raise ValueError(N_("Choose contributing factors from the list."))
    changes: dict[str, Any] = {"status": status, "severity": severity, "tier": tier,
                               "factors": sorted(set(factors))}
    changes.update({flag: form.get(flag) == "on" for flag in FLAGS})
    changes.update({name: str(form.get(name, "")).strip()[:TEXT_LIMIT] or None
                    for name in REVIEW_TEXT})
    return changes


IDENTITY_DAYS = (0, 3650)  # how long after closure who reported is kept
REPORT_YEARS = (1, 100)  # how long reports, as care records, are kept


def telegram_number(value: Any) -> int:
    """A person's Telegram user id as typed in a privacy form; ValueError when it is not one."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**63:
        raise ValueError(N_("Enter the person's Telegram number: digits only, as the bot's "
                            "/myid command shows it."))
    return int(text)


def retention_periods(form: FormData) -> tuple[int, int]:
    """(identity days after closure, report years) from the policy form, within their bounds."""
    days = _bounded(form.get("identity_days_after_closure"), IDENTITY_DAYS)
    if days is None:
        raise ValueError(N_("Keep who reported for a whole number of days from 0 to 3650 "
                            "after closure."))
    years = _bounded(form.get("report_years"), REPORT_YEARS)
    if years is None:
        raise ValueError(N_("Keep reports for a whole number of years from 1 to 100."))
    return days, years


def _bounded(value: Any, bounds: tuple[int, int]) -> int | None:
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        return None
    number = int(text)
    return number if bounds[0] <= number <= bounds[1] else None
