"""How the admin answers a refused request, and an unexpected failure, in the user's language.

SQLAdmin's own handler shows an HTTPException's detail as it is, in English, and drops its
headers (a busy answer's Retry-After). This one translates the detail as a msgid (filling
in a BadParameter's values), gives a bare status a sentence saying what to do, and keeps
the headers. An unexpected exception still reaches the server's log with its traceback;
the person sees only a short page saying something went wrong.
"""

from __future__ import annotations

from http import HTTPStatus

from markupsafe import escape
from sqladmin import Admin
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from admin.i18n import AdminText
from admin.params import BadParameter
from conversations import N_

STATUS_MESSAGES = {
    400: N_("This request is not valid."),
    403: N_("Your role does not allow this."),
    404: N_("This page does not exist, or you may not see it."),
    405: N_("This page cannot be used that way."),
    503: N_("The server is busy. Try again in a minute."),
}
# SQLAdmin's own details, as it words them, and what the admin says instead.
SQLADMIN_DETAILS = {
    "Invalid page or pageSize parameter": N_("The page number and page size must be whole "
                                             "numbers of 1 or more."),
    "Invalid sortBy parameter": N_("Choose a column to sort by from the list."),
}
FAILED = N_("Something went wrong on our side and it has been logged. Try again, or tell "
            "your administrator if it keeps happening.")
FAILED_PAGE = ('<!doctype html><html lang="{lang}"><meta charset="utf-8">'
               '<meta name="viewport" content="width=device-width, initial-scale=1">'
               "<title>500</title><main><h1>500</h1><p>{message}</p></main></html>")


def install_error_pages(admin: Admin, text: AdminText) -> None:
    """Answer every HTTPException and every unexpected exception of the admin's pages."""

    async def refused(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, HTTPException):
            raise exc
        text.use_request(request)
        response = await admin.templates.TemplateResponse(
            request, "sqladmin/error.html",
            {"status_code": exc.status_code, "message": message(exc, text)},
            status_code=exc.status_code)
        response.headers.update(exc.headers or {})
        return response

    async def failed(request: Request, exc: Exception) -> Response:
        language = text.use_request(request)
        page = FAILED_PAGE.format(lang=escape(language), message=escape(text(FAILED)))
        return HTMLResponse(page, status_code=500)

    admin.admin.add_exception_handler(HTTPException, refused)
    admin.admin.add_exception_handler(Exception, failed)


def message(exc: HTTPException, text: AdminText) -> str:
    """The exception's detail in the request's language, or a sentence for its status."""
    if isinstance(exc, BadParameter):
        return text(exc.detail, **exc.params)
    detail = exc.detail
    if detail == _phrase(exc.status_code):
        return text(STATUS_MESSAGES.get(exc.status_code, detail))
    return text(SQLADMIN_DETAILS.get(detail, detail))


def _phrase(status_code: int) -> str | None:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return None

