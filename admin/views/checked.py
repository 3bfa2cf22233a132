"""SQLAdmin's model views with their path keys and search text checked before any query.

SQLAdmin converts a record's key from the path with the column's Python type and sends it
to the database as it is: "abc" raises ValueError and 10**30 overflows the driver, both a
500. checked() wraps every model view create_app() registers, so a key that cannot name a
record is answered 404 like a missing one (as is a file of a row that does not exist), and
a search PostgreSQL cannot run (a NUL in its text) 400.
"""

from __future__ import annotations

from typing import Any

from sqladmin import ModelView
from sqladmin.helpers import object_identifier_values
from sqladmin.models import ModelViewMeta
from sqlalchemy import BigInteger, Select
from starlette.exceptions import HTTPException
from starlette.requests import Request

from admin import params
from conversations import N_

NO_RECORDS = N_("Choose the records to delete.")


class CheckedKeys(ModelView):
    """Put in front of a registered ModelView (see checked()): refuses malformed keys and
    search text. A ModelView itself without a model (SQLAdmin then registers nothing), so the
    methods it wraps are known to it; in front of `view`, super() reaches `view`'s own."""

    def is_accessible(self, request: Request) -> bool:
        """SQLAdmin's delete route reads `pks` after asking this and fails without it (a
        request its own page never sends): refused here as a bad request instead."""
        if request.method == "DELETE" and "pks" not in request.query_params:
            raise params.BadParameter(NO_RECORDS)
        return super().is_accessible(request)

    def key_is_valid(self, identifier: Any) -> bool:
        """Whether the path's key could name a row: the key columns' types, within range."""
        try:
            values = object_identifier_values(str(identifier), self.model)
        except (TypeError, ValueError, ArithmeticError):
            return False
        return all(_fits(column, value)
                   for column, value in zip(self.pk_columns, values, strict=True))

    async def get_object_for_details(self, request: Request) -> Any:
        if not self.key_is_valid(request.path_params.get("pk")):
            return None  # SQLAdmin answers 404
        return await super().get_object_for_details(request)

    async def get_object_for_edit(self, request: Request) -> Any:
        if not self.key_is_valid(request.path_params.get("pk")):
            return None
        return await super().get_object_for_edit(request)

    async def get_object_for_delete(self, value: Any) -> Any:
        if not self.key_is_valid(value):
            return None
        return await super().get_object_for_delete(value)

    async def get_object_filepath(self, identifier: str, column_name: str) -> Any:
        """A stored file's path; 404 when there is no such row (SQLAdmin would fail on None)."""
        if await self.get_object_for_delete(identifier) is None:
            raise HTTPException(status_code=404)
        return await super().get_object_filepath(identifier, column_name)

    def search_query(self, stmt: Select, term: str) -> Select:
        return super().search_query(stmt, params.searchable(term))


def _fits(column: Any, value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        maximum = params.BIGINT_MAX if isinstance(column.type, BigInteger) else params.INT_MAX
        return -maximum - 1 <= value <= maximum
    if isinstance(value, str):
        return "\x00" not in value
    return True


def checked(view: type[ModelView]) -> type[ModelView]:
    """A subclass of the model view `view` with CheckedKeys in front; same identity and name."""
    return ModelViewMeta(view.__name__, (CheckedKeys, view), {"__module__": view.__module__})
