"""Maps domain errors and malformed requests to HTTP: JSON bodies for the API, pages for people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from helpline.errors import (
    Conflict,
    DomainError,
    IllegalTransition,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)

log = structlog.get_logger(__name__)

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    IllegalTransition: 409,
    NotAuthenticated: 401,
    PermissionDenied: 403,
}


class LoginRequired(Exception):
    """A page asked for a signed-in user; the browser is sent to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def status_for(error: DomainError) -> int:
    for error_type in type(error).__mro__:
        if error_type in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[error_type]
    return 400


def form_refusal_status(error: DomainError) -> int:
    """The status a page form re-renders with; refusals of role or scope go to the error page."""
    if isinstance(error, PermissionDenied | NotFound):
        raise error
    return status_for(error)


def _wants_json(request: Request) -> bool:
    if request.url.path.startswith(("/api/", "/health", "/openapi")):
        return True
    accept = request.headers.get("accept", "")
    return "text/html" not in accept


def _respond(
    request: Request, status: int, code: str, message: str, field: str | None = None
) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if _wants_json(request):
        return JSONResponse(error_body(code, message, field), status_code=status, headers=headers)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "code": code, "message": message},
        status_code=status,
    )


def _field_of(location: Sequence[Any]) -> str | None:
    parts = [
        str(part) for part in location if part not in ("body", "query", "path", "header", "cookie")
    ]
    return ".".join(parts) or None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> Response:
        return _respond(request, status_for(exc), exc.code, exc.message, exc.field)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {"msg": "invalid request", "loc": ()}
        if first.get("type") == "json_invalid":
            return _respond(request, 400, "malformed_json", "the request body is not valid JSON")
        field = _field_of(first.get("loc", ()))
        message = str(first.get("msg", "invalid value"))
        if field:
            message = f"{field}: {message}"
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
        return _respond(request, 422, "invalid_input", message, field)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {
            404: "not_found",
            405: "method_not_allowed",
            401: "not_authenticated",
            403: "permission_denied",
        }
        code = codes.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such resource: {request.url.path}"
        return _respond(request, exc.status_code, code, message)

    @app.exception_handler(LoginRequired)
    async def _login_required(_request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={exc.next_path}", status_code=303)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Never a stack trace to a user; the log keeps it.
        log.exception("unhandled_error", path=request.url.path, error=type(exc).__name__)
        if _wants_json(request):
            return JSONResponse(
                error_body("internal_error", "an internal error occurred"), status_code=500
            )
        return HTMLResponse(
            "<h1>Something went wrong</h1><p>The error was logged.</p>", status_code=500
        )
