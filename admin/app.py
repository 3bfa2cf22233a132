"""create_app(): the admin panel (FastAPI + SQLAdmin), optionally with the bot in its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.staticfiles import StaticFiles

from admin.auth import AdminAuth, RoleGrants
from admin.errors import install_error_pages
from admin.figures import local_time
from admin.governance_pdf import GovernancePdfs
from admin.headers import SecurityHeadersMiddleware
from admin.i18n import AdminText
from admin.landing import NearmissAdmin
from admin.limits import BodyLimitMiddleware
from admin.origin import ConfiguredOriginMiddleware
from admin.services import Services, bind
from admin.views.account import AccountView
from admin.views.actions import ActionsView, MyActionsView
from admin.views.alerts import AlertsView
from admin.views.bulletins import BulletinsView
from admin.views.checked import checked
from admin.views.escalations import EscalationsView
from admin.views.groups import GroupLinksView
from admin.views.insight import DashboardView, GovernanceView
from admin.views.models import MODEL_VIEWS
from admin.views.privacy import PrivacyView
from admin.views.reports import ReportsView
from admin.views.sign_ins import SignInFailuresView
from core.i18n import Translator
from core.settings import Settings, admin_base_url, admin_secret, locales_dir

HERE = Path(__file__).resolve().parent
# Static files (ours, SQLAdmin's): the only responses a browser may cache.
STATIC_PREFIXES = ("/static/", "/admin/statics/")
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], *,
               lifespan: Lifespan | None = None, failed_login_delay: float | None = None,
               status: Callable[[], dict[str, Any]] | None = None) -> FastAPI:
    """The admin web app; `lifespan` runs alongside it (the bot, in `nearmiss run`)."""
    app = FastAPI(title="nearmiss", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan or _no_lifespan)
    app.mount("/static/nearmiss", StaticFiles(directory=HERE / "static"), name="nearmiss-static")
    text = AdminText(Translator(locales_dir(), settings.default_language))
    pdfs = GovernancePdfs(limit=settings.pdf_renders, wait=settings.pdf_wait_seconds)
    services = Services(settings, sessionmaker, text, pdfs)
    app.state.governance_pdfs = pdfs  # its counts, for whoever watches the server
    auth = AdminAuth(admin_secret(settings), sessionmaker, https_only=settings.admin_https_only,
                     require_admin_totp=settings.environment == "production",
                     **({"failed_login_delay": failed_login_delay}
                        if failed_login_delay is not None else {}))
    admin = NearmissAdmin(app, session_maker=sessionmaker, title="nearmiss", base_url="/admin",
                          templates_dir=str(HERE / "templates"), authentication_backend=auth,
                          authorization_backend=RoleGrants())
    auth.templates = admin.templates
    _install_text(admin, text)
    install_error_pages(admin, text)
    # Times as the organisation's clock shows them, the zone dates like "When" are in.
    admin.templates.env.filters["local_time"] = partial(local_time, zone=settings.zone)
    for view in (ReportsView, ActionsView, MyActionsView, EscalationsView, DashboardView,
                 GovernanceView, BulletinsView, GroupLinksView, AlertsView, PrivacyView,
                 SignInFailuresView, AccountView):
        bound = bind(view, services)
        admin.add_base_view(bound)
        # SQLAdmin names a view after its last route; the menu must open its first page.
        bound.identity = view.identity
    for model_view in MODEL_VIEWS:
        admin.add_view(checked(model_view))

    @app.get("/", include_in_schema=False)
    async def home(request: Request) -> RedirectResponse:
        return RedirectResponse(request.url_for("admin:index"))  # the landing page by role

    @app.get("/healthz", include_in_schema=False)
    async def health() -> JSONResponse:
        """200 while all is well; 503 when `status` says ok is False (a configured bot that is
        not running, with its reason), so a supervisor or load balancer can see it."""
        body = {"ok": True, **(status() if status else {})}
        return JSONResponse(body, status_code=200 if body["ok"] else 503)

    _install_guards(app, settings)
    return app


def _install_guards(app: FastAPI, settings: Settings) -> None:
    """Around everything: URLs from configuration, security headers, the body limit."""
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.admin_max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware, https_only=settings.admin_https_only,
                       cacheable=STATIC_PREFIXES)
    app.add_middleware(ConfiguredOriginMiddleware, base_url=admin_base_url(settings))


def _install_text(admin: NearmissAdmin, text: AdminText) -> None:
    """Every admin page, SQLAdmin's included, speaks through our catalogs."""
    env = admin.templates.env
    env.globals["_"] = text
    env.filters["urlencode_except"] = _urlencode_except
    original = admin.templates.TemplateResponse

    async def respond(request: Request, name: str, context: dict | None = None,
                      **kwargs: Any) -> Any:
        text.use_request(request)
        return await original(request, name, context or {}, **kwargs)

    admin.templates.TemplateResponse = respond  # type: ignore[method-assign]


def _urlencode_except(query: Any, name: str) -> str:
    return urlencode([(key, value) for key, value in query.multi_items() if key != name])


@asynccontextmanager
async def _no_lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
