"""The record of every Bot API call the fake answered."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .spec import Upload


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    ok: bool = False
    status: int = 0
    description: str | None = None
    result: Any = None
    ignored_fields: list[str] = field(default_factory=list)  # unknown params Telegram ignores
    # "api": a real answer; "fault": fail_next() injection; "flood": enable_flood_limits();
    # "outage": start_outage().
    source: str = "api"

    def summary(self) -> str:
        return f"{self.method} -> {self.status} {self.description}  params={_short(self.params)}"


def _short(params: dict[str, Any], limit: int = 160) -> str:
    shown = {
        key: f"<file {value.filename}>" if isinstance(value, Upload) else value
        for key, value in params.items()
    }
    text = repr(shown)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def rejections_report(calls: list[Call]) -> str:
    lines = [f"Telegram would have rejected {len(calls)} call(s):"]
    lines += [f"  {call.summary()}" for call in calls]
    return "\n".join(lines)
