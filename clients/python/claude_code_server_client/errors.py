"""The client's exceptions. Every failure the server reports arrives as one ``ApiError``."""

from __future__ import annotations

from typing import Any, Optional


class CcsError(Exception):
    """Base class of everything this client raises on purpose."""


class ApiError(CcsError):
    """The server answered with an error: ``{"error": {"code", "message", "details"?}}``.

    ``code`` is the server's stable error code (see the server's docs/api.md, "Error codes"), ``status``
    the HTTP status, ``request_id`` the ``X-Request-Id`` to quote when asking an operator, and
    ``retry_after`` the seconds from ``Retry-After`` when the server sent one (429, 503).
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int,
        request_id: Optional[str] = None,
        details: Any = None,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.request_id = request_id
        self.details = details
        self.retry_after = retry_after


class ConnectionFailed(CcsError):
    """The server could not be reached (refused, reset, timed out) after the allowed retries."""


class StreamGapError(CcsError):
    """The event stream skipped a ``seq``; the server promises it never does, so this is a bug report."""


class TaskTimeoutError(CcsError):
    """``Client.run`` gave up waiting; the task was interrupted. ``task`` is its final record."""

    def __init__(self, message: str, task: Any) -> None:
        super().__init__(message)
        self.task = task
