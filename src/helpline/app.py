"""The application factory: one FastAPI app serving the JSON API under /api/v1 and the pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.sessions import SessionMiddleware

import helpline
from helpline.agents import api as agents_api
from helpline.agents import pages as agents_pages
from helpline.callbacks import api as callbacks_api
from helpline.clock import Clock, SystemClock
from helpline.contacts import api as contacts_api
from helpline.customers import api as customers_api
from helpline.db import database_status, make_engine, make_session_factory
from helpline.identity import api as identity_api
from helpline.identity import pages as identity_pages
from helpline.identity import service as identity_service
from helpline.logs import configure_logging
from helpline.queues import api as queues_api
from helpline.queues import pages as queues_pages
from helpline.routing import api as routing_api
from helpline.routing import jobs as routing_jobs
from helpline.settings import Settings, load_settings
from helpline.statistics import api as statistics_api
from helpline.statistics import pages as statistics_pages
from helpline.web.errors import install_error_handlers
from helpline.web.templating import STATIC_DIR, make_templates

API_PREFIX = "/api/v1"


class HealthOut(BaseModel):
    status: str
    database: str
    version: str


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    session_factory: sessionmaker[Session] | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    identity_service.configure_password_hashing(settings.argon2_profile)
    engine = engine or make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The dispatcher offers contacts and runs the queue timers (offer timeouts, the
        # callback offer after about a minute, overflow, wrap-up, missed callback windows).
        if settings.run_dispatcher:
            routing_jobs.start_dispatcher(app, tick_seconds=settings.dispatcher_tick_seconds)
        try:
            yield
        finally:
            routing_jobs.stop_dispatcher(app)

    app = FastAPI(
        lifespan=lifespan,
        title="Helpline",
        version=helpline.__version__,
        summary="Customer contact centre platform (ISO 18295-1)",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory or make_session_factory(engine)
    app.state.clock = clock or SystemClock()
    app.state.templates = make_templates()

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie="helpline_session",
        max_age=settings.session_lifetime_seconds,
        same_site="lax",
        https_only=settings.session_cookie_secure,
    )
    install_error_handlers(app)

    api = APIRouter(prefix=API_PREFIX)
    for module in (
        identity_api,
        customers_api,
        queues_api,
        agents_api,
        contacts_api,
        routing_api,
        callbacks_api,
        statistics_api,
    ):
        api.include_router(module.router)
    app.include_router(api)
    for pages in (identity_pages, queues_pages, agents_pages, statistics_pages):
        app.include_router(pages.router)

    @app.get(
        "/health",
        tags=["operations"],
        response_model=HealthOut,
        responses={503: {"model": HealthOut, "description": "the database does not answer"}},
    )
    def health() -> JSONResponse:
        """200 while the database answers; 503 with the reason when it does not."""
        database = database_status(engine)
        body = {
            "status": "ok" if database == "ok" else "degraded",
            "database": database,
            "version": helpline.__version__,
        }
        return JSONResponse(body, status_code=200 if database == "ok" else 503)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
