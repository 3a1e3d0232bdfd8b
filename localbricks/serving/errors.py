"""Databricks' REST error shape, so the real SDK raises its own typed exceptions.

The SDK reads ``{"error_code": ..., "message": ...}`` and maps the code (then the HTTP status) to an
exception class: RESOURCE_DOES_NOT_EXIST → ``NotFound``, RESOURCE_ALREADY_EXISTS →
``ResourceAlreadyExists``, INVALID_PARAMETER_VALUE → ``InvalidParameterValue``, and so on
(``databricks/sdk/errors/platform.py``). Messages are one line and never carry a request's payload.
"""
from __future__ import annotations


class ServingError(Exception):
    """An API refusal: HTTP status, Databricks error code and a one-line message."""

    status = 400
    error_code = "BAD_REQUEST"

    def __init__(self, message: str, *, status: int | None = None, error_code: str | None = None):
        super().__init__(one_line(message))
        self.message = one_line(message)
        if status is not None:
            self.status = status
        if error_code is not None:
            self.error_code = error_code

    def body(self) -> dict:
        return {"error_code": self.error_code, "message": self.message}


class NotFound(ServingError):
    status, error_code = 404, "RESOURCE_DOES_NOT_EXIST"


class AlreadyExists(ServingError):
    status, error_code = 409, "RESOURCE_ALREADY_EXISTS"


class InvalidParameter(ServingError):
    status, error_code = 400, "INVALID_PARAMETER_VALUE"


class Conflict(ServingError):
    status, error_code = 409, "RESOURCE_CONFLICT"


class NotReady(ServingError):
    """A query to an endpoint with nothing loaded yet (400: the SDK would retry a 503 for minutes)."""

    status, error_code = 400, "INVALID_STATE"


class Unauthenticated(ServingError):
    status, error_code = 401, "UNAUTHENTICATED"


class TooLarge(ServingError):
    status, error_code = 413, "BAD_REQUEST"


def one_line(text: object, limit: int = 400) -> str:
    """The first line of ``text``, cut to ``limit`` characters: errors stay short and payload-free."""
    first = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"
