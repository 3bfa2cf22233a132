"""The admin's language: British English by default, Welsh for those who ask for it."""

from __future__ import annotations

from contextvars import ContextVar

from starlette.requests import Request

from core.i18n import Translator

_language: ContextVar[str] = ContextVar("admin_language", default="en")


class AdminText:
    """gettext for templates and views, in the language of the request being served."""

    def __init__(self, translator: Translator) -> None:
        self.translator = translator

    def use(self, accept_language: str | None, chosen: str | None = None) -> str:
        """Pick the request's language: an explicit choice, else the browser's first match."""
        wanted = [chosen] if chosen else []
        wanted += [part.split(";")[0].strip() for part in (accept_language or "").split(",")]
        language = next((self.translator.choose(None, code) for code in wanted
                         if code and code.split("-")[0].lower() in self.translator.languages),
                        self.translator.default)
        _language.set(language)
        return language

    def use_request(self, request: Request) -> str:
        """Pick the language a request asks for: ?lang=, else its Accept-Language."""
        return self.use(request.headers.get("accept-language"), request.query_params.get("lang"))

    def __call__(self, msgid: str, **params: object) -> str:
        text = self.translator.gettext(msgid, _language.get())
        if not params:
            return text
        # SQLAdmin's own templates use %(name)s placeholders; ours use {name}.
        return text % params if "%(" in text else text.format(**params)

    @property
    def language(self) -> str:
        return _language.get()
