"""Domain errors carry a user-readable Chinese message; the edge turns them into a page message or HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, detail: str, *, code: str | None = None, errors: dict[str, object] | None = None):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.errors = errors or {}


class InvalidInput(DomainError):
    """Bad input: `errors` maps each field (or row) to its message."""

    status = 400
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not_found"

    def __init__(self, detail: str = "对象不存在或无权访问", **kwargs: object):
        super().__init__(detail, **kwargs)  # type: ignore[arg-type]


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The object's current state does not allow the action."""

    status = 409
    code = "conflict"
