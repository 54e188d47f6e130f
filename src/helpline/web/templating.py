"""The Jinja2 environment for pages: templates, i18n extension, shared globals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from helpline.identity.rules import Actor, Permission, Role, can
from helpline.web.deps import csrf_token

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def make_templates() -> Jinja2Templates:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
    )
    templates = Jinja2Templates(env=environment)
    # Staff pages speak English for now; customer-facing texts get Babel catalogs.
    templates.env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    templates.env.globals["csrf_token"] = csrf_token
    return templates


def render(
    request: Request, template: str, actor: Actor | None, status_code: int = 200, **context: Any
) -> Response:
    """Render a page inside the navigation frame, which shows only what the actor may open."""
    templates: Jinja2Templates = request.app.state.templates
    nav = navigation_for(actor) if actor else []
    return templates.TemplateResponse(
        request,
        template,
        {"actor": actor, "nav": nav, **context},
        status_code=status_code,
    )


def navigation_for(actor: Actor) -> list[tuple[str, str]]:
    entries: list[tuple[str, str, Permission]] = [
        ("/supervisor", "Live view", Permission.VIEW_QUEUES),
        ("/queues", "Queues", Permission.VIEW_QUEUES),
        ("/agents", "Agents", Permission.VIEW_AGENTS),
        ("/admin/clients", "Client organisations", Permission.VIEW_CLIENTS),
        ("/admin/users", "Users", Permission.MANAGE_USERS),
        ("/admin/audit", "Audit log", Permission.READ_AUDIT_LOG),
    ]
    own = [("/me/presence", "My presence")] if actor.role in (Role.AGENT, Role.SUPERVISOR) else []
    # Agents work from their own desk; the live view is for those who steer the centre.
    hidden = {"/supervisor"} if actor.role is Role.AGENT else set()
    return [("/", "Home"), *own] + [
        (href, label)
        for href, label, needed in entries
        if can(actor, needed) and href not in hidden
    ]
