"""Readable, translatable names for the stored vocabularies."""

from __future__ import annotations

from conversations import N_
from conversations.steps import CATEGORIES, TOLD

STATUS = {
    "new": N_("New"),
    "in_review": N_("In review"),
    "actions_agreed": N_("Actions agreed"),
    "closed": N_("Closed"),
    "not_near_miss": N_("Not a near miss"),
}
SEVERITY = {
    "none": N_("None"),
    "low": N_("Low"),
    "moderate": N_("Moderate"),
    "severe": N_("Severe"),
    "catastrophic": N_("Catastrophic"),
}
TIER = {
    "low": N_("Low: immediate correction and brief learning"),
    "moderate": N_("Moderate: structured review and targeted actions"),
    "serious": N_("Serious: formal investigation, safeguarding, commissioner notified"),
}
TIER_SHORT = {"low": N_("Low"), "moderate": N_("Moderate"), "serious": N_("Serious")}
FACTOR = {
    "communication": N_("Communication"),
    "staffing": N_("Staffing"),
    "training": N_("Training"),
    "environment": N_("Environment"),
    "equipment": N_("Equipment"),
    "documentation": N_("Documentation"),
    "time_pressure": N_("Time pressure"),
    "process": N_("Process"),
}
ACTION_STATUS = {"open": N_("Open"), "done": N_("Completed"), "not_doing": N_("Not doing")}
ACTION_LIST_STATUS = {**ACTION_STATUS, "overdue": N_("Overdue"),
                      "recheck_due": N_("Re-audit due")}
PERIOD = {"morning": N_("Morning"), "afternoon": N_("Afternoon"), "evening": N_("Evening"),
          "night": N_("Night")}
CATEGORY = dict(CATEGORIES)
TOLD_PARTY = dict(TOLD)
WEEKDAY = {"monday": N_("Monday"), "tuesday": N_("Tuesday"), "wednesday": N_("Wednesday"),
           "thursday": N_("Thursday"), "friday": N_("Friday"), "saturday": N_("Saturday"),
           "sunday": N_("Sunday")}
CONFIDENTIALITY = {"named": N_("Named"), "confidential": N_("Confidential"),
                   "anonymous": N_("Anonymous")}
KIND = {"near_miss": N_("Near miss"), "incident": N_("Incident")}
CONTACT_ROLE = {"on_call": N_("On call"), "safeguarding": N_("Safeguarding")}
PRIVACY_ACTION = {"access": N_("Subject access"), "erasure": N_("Erasure"),
                  "retention": N_("Retention")}
