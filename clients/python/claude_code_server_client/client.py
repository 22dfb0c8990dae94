"""The client: one method per route of the server's REST API, plus ``stream`` and ``run``."""

from __future__ import annotations

import http.client
import json
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Iterator, List, Optional

from .errors import ApiError, ConnectionFailed, StreamGapError
from .models import (
    Event,
    EventPage,
    Health,
    SubmittedTask,
    Task,
    TaskPage,
    WsTicket,
)
from .files import FilesMixin
from .schedules import SchedulesMixin
from .running import RunMixin
from .secrets import SecretsMixin
from .sessions import SessionsMixin
from .paths import seg as _seg
from .sse import read_frames
from .triggers import TriggersMixin

DEFAULT_URL = "http://localhost:8000"
# The server sends a heartbeat comment every 15 s, so a read that waits longer than this on an
# open stream means the connection is dead, not that the task is quiet.
STREAM_READ_TIMEOUT = 45.0

# What a dropped or refused connection looks like from urllib and http.client.
_CONNECTION_ERRORS = (urllib.error.URLError, ConnectionError, http.client.HTTPException, socket.timeout, TimeoutError, OSError)


class Client(RunMixin, SessionsMixin, SchedulesMixin, TriggersMixin, FilesMixin, SecretsMixin):
    """A client for one Claude Code Server.

    ``base_url`` defaults to ``$CCS_URL`` (else ``http://localhost:8000``) and ``api_key`` to
    ``$CCS_API_KEY``; without a key no auth header is sent. ``timeout`` bounds each plain request
    in seconds. Reads (and submits that carry a ``task_id``, which the server makes idempotent)
    are retried ``retries`` times when the connection fails; other writes are not, since the
    server may have acted on them.
    """

    def __init__(self, base_url: Optional[str] = None, api_key: Optional[str] = None, timeout: float = 30.0, retries: int = 2) -> None:
        self.base_url = (base_url or os.environ.get("CCS_URL") or DEFAULT_URL).rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get("CCS_API_KEY") or None
        self.timeout = timeout
        self.retries = retries

    # ----------------------------------------------------------------------------- routes

    def health(self) -> Health:
        """``GET /health``. A server that is shutting down answers 503 with the same body, which
        is returned (``status == "shutting_down"``) rather than raised."""
        return Health.from_dict(self._request("GET", "/health", accept_statuses=(503,)))

    def submit(
        self,
        prompt: str,
        *,
        task_id: Optional[str] = None,
        workspace: Optional[str] = None,
        allowed_tools: Optional[List[str]] = None,
        permission_mode: Optional[str] = None,
        max_turns: Optional[int] = None,
        timeout: Optional[float] = None,
        model: Optional[str] = None,
        priority: Optional[int] = None,
        session_id: Optional[str] = None,
        reuse_existing: Optional[bool] = None,
        options: Optional[Dict[str, Any]] = None,
    ) -> SubmittedTask:
        """``POST /api/v1/tasks``. ``options`` may carry option fields this client does not name
        yet; named arguments win. Resubmitting the same ``task_id`` with the same body is safe:
        the server returns the existing task (``created`` is then False). ``priority`` (0..9,
        default 5): the queue starts higher priorities first, after fair share between tenants."""
        body: Dict[str, Any] = {"prompt": prompt}
        if task_id is not None:
            body["task_id"] = task_id
        if workspace is not None:
            body["workspace"] = workspace
        merged = dict(options or {})
        for name, value in (
            ("allowed_tools", allowed_tools),
            ("permission_mode", permission_mode),
            ("max_turns", max_turns),
            ("timeout", timeout),
            ("model", model),
            ("priority", priority),
        ):
            if value is not None:
                merged[name] = value
        if merged:
            body["options"] = merged
        session: Dict[str, Any] = {}
        if session_id is not None:
            session["session_id"] = session_id
        if reuse_existing is not None:
            session["reuse_existing"] = reuse_existing
        if session:
            body["session"] = session
        answer, status = self._request_with_status("POST", "/api/v1/tasks", body=body, idempotent=task_id is not None)
        return SubmittedTask.from_dict(answer, created=status == 201)

    def get_task(self, task_id: str) -> Task:
        """``GET /api/v1/tasks/{task_id}``."""
        return Task.from_dict(self._request("GET", f"/api/v1/tasks/{_seg(task_id)}"))

    def list_tasks(self, status: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None) -> TaskPage:
        """``GET /api/v1/tasks``: one page, newest first. Pass ``next_cursor`` back for the next."""
        answer = self._request("GET", "/api/v1/tasks", query={"status": status, "limit": limit, "cursor": cursor})
        return TaskPage([Task.from_dict(t) for t in answer["tasks"]], answer.get("next_cursor"))

    def iter_tasks(self, status: Optional[str] = None, page_size: int = 100) -> Iterator[Task]:
        """Every task (of this key's tenant), newest first, fetching pages as needed."""
        cursor: Optional[str] = None
        while True:
            page = self.list_tasks(status=status, limit=page_size, cursor=cursor)
            yield from page.tasks
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def interrupt(self, task_id: str) -> Task:
        """``POST /api/v1/tasks/{task_id}/interrupt``: returns the task once it has stopped.
        A finished task raises ``ApiError`` with code ``TASK_NOT_RUNNING`` (409)."""
        return Task.from_dict(self._request("POST", f"/api/v1/tasks/{_seg(task_id)}/interrupt"))

    def events(self, task_id: str, after: int = 0, limit: Optional[int] = None) -> EventPage:
        """``GET /api/v1/tasks/{task_id}/events?format=json``: one page of the stored history."""
        answer = self._request("GET", f"/api/v1/tasks/{_seg(task_id)}/events", query={"format": "json", "after": after, "limit": limit})
        return EventPage(answer["task_id"], [Event.from_dict(e) for e in answer["events"]], int(answer["next_after"]), bool(answer["has_more"]))

    def create_ws_ticket(self) -> WsTicket:
        """``POST /api/v1/ws-tickets``: a single-use, 30-second ticket for ``/ws/tasks/{id}?ticket=``,
        for WebSocket clients that cannot send headers."""
        answer = self._request("POST", "/api/v1/ws-tickets")
        return WsTicket(answer["ticket"], answer["expires_at"], int(answer["expires_in_seconds"]))

    def openapi(self) -> Dict[str, Any]:
        """``GET /openapi.json``: the server's own description of its API."""
        return self._request("GET", "/openapi.json")

    # --------------------------------------------------------------------------- streaming

    def stream(self, task_id: str, after: int = 0, max_reconnects: int = 10) -> Iterator[Event]:
        """The task's events over Server-Sent Events, from ``after`` on, ending after ``complete``.

        A dropped connection is reopened with ``Last-Event-ID`` set to the last ``seq`` received,
        so nothing is missed and nothing is repeated. ``max_reconnects`` failures in a row (with
        no event in between) raise ``ConnectionFailed``.
        """
        return self._stream(task_id, after, max_reconnects)

    def _stream(self, task_id: str, after: int, max_reconnects: int) -> Iterator[Event]:
        last_seq = after
        failures = 0
        path = f"/api/v1/tasks/{_seg(task_id)}/events"
        while True:
            headers = {"Accept": "text/event-stream"}
            if last_seq > 0:
                headers["Last-Event-ID"] = str(last_seq)
            try:
                response = self._open("GET", path, headers=headers, timeout=STREAM_READ_TIMEOUT)
            except urllib.error.HTTPError as error:
                raise _api_error(error) from None
            except _CONNECTION_ERRORS as error:
                failures += 1
                if failures > max_reconnects:
                    raise ConnectionFailed(f"Event stream of {task_id} could not be reopened: {error}") from error
                time.sleep(_backoff(failures))
                continue
            with response:
                # 204: everything up to `complete` was already received.
                if response.status == 204:
                    return
                try:
                    for frame in read_frames(response):
                        event = Event.from_dict(json.loads(frame.data))
                        if event.seq <= last_seq:
                            continue
                        if event.seq != last_seq + 1:
                            raise StreamGapError(f"Event stream of {task_id} jumped from seq {last_seq} to {event.seq}")
                        last_seq = event.seq
                        failures = 0
                        yield event
                        if event.type == "complete":
                            return
                except _CONNECTION_ERRORS:
                    pass
            # The stream ended or broke before `complete`: reopen it after the last seq received.
            failures += 1
            if failures > max_reconnects:
                raise ConnectionFailed(f"Event stream of {task_id} kept breaking before the task completed")
            time.sleep(_backoff(failures))

    # ------------------------------------------------------------------------------- HTTP

    def _request(self, method: str, path: str, *, body: Any = None, query: Optional[Dict[str, Any]] = None, idempotent: Optional[bool] = None, accept_statuses: tuple = ()) -> Any:
        return self._request_with_status(method, path, body=body, query=query, idempotent=idempotent, accept_statuses=accept_statuses)[0]

    def _request_with_status(self, method: str, path: str, *, body: Any = None, query: Optional[Dict[str, Any]] = None, idempotent: Optional[bool] = None, accept_statuses: tuple = (), headers: Optional[Dict[str, str]] = None) -> tuple:
        if query:
            encoded = urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
            if encoded:
                path = f"{path}?{encoded}"
        data = None if body is None else json.dumps(body).encode("utf-8")
        retryable = method == "GET" if idempotent is None else idempotent
        attempt = 0
        while True:
            try:
                with self._open(method, path, data=data, headers=headers, timeout=self.timeout) as response:
                    return _json_body(response), response.status
            except urllib.error.HTTPError as error:
                if error.code in accept_statuses:
                    return _json_body(error), error.code
                raise _api_error(error) from None
            except _CONNECTION_ERRORS as error:
                attempt += 1
                if not retryable or attempt > self.retries:
                    raise ConnectionFailed(f"{method} {self.base_url}{path} failed: {error}") from error
                time.sleep(0.2 * attempt)

    def _open(self, method: str, path: str, *, data: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None, timeout: float) -> Any:
        all_headers = {"Accept": "application/json", "User-Agent": "claude-code-server-client-python/1.0"}
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        if self.api_key:
            all_headers["X-API-Key"] = self.api_key
        all_headers.update(headers or {})
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=all_headers)
        return urllib.request.urlopen(request, timeout=timeout)


def _backoff(failures: int) -> float:
    return min(0.1 * 2 ** (failures - 1), 5.0)




def _json_body(response: Any) -> Any:
    raw = response.read()
    return json.loads(raw) if raw else None


def _api_error(error: urllib.error.HTTPError) -> ApiError:
    request_id = error.headers.get("X-Request-Id") if error.headers else None
    retry_after_header = error.headers.get("Retry-After") if error.headers else None
    try:
        retry_after: Optional[float] = float(retry_after_header) if retry_after_header else None
    except ValueError:
        retry_after = None
    try:
        body = json.loads(error.read() or b"null")
        detail = body["error"]
        return ApiError(str(detail["code"]), str(detail.get("message", "")), error.code, request_id, detail.get("details"), retry_after)
    except (ValueError, KeyError, TypeError):
        return ApiError("HTTP_ERROR", f"HTTP {error.code} {error.reason}", error.code, request_id, None, retry_after)
