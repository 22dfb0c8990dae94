"""What the server returns, as dataclasses.

Each ``from_dict`` takes what it knows and keeps the whole answer in ``raw``, so a newer server
that adds fields never breaks an older client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

TERMINAL_STATUSES = frozenset({"completed", "failed", "interrupted", "timed_out"})
EVENT_TYPES = ("message", "tool_use", "tool_result", "progress", "error", "complete", "permission_request", "permission_decision", "network_blocked")


def _get(d: Dict[str, Any], key: str, default: Any = None) -> Any:
    value = d.get(key, default)
    return default if value is None and default is not None else value


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0

    @classmethod
    def from_dict(cls, d: Optional[Dict[str, Any]]) -> "Usage":
        d = d or {}
        return cls(int(_get(d, "input_tokens", 0)), int(_get(d, "output_tokens", 0)))


@dataclass(frozen=True)
class TaskError:
    code: str
    message: str

    @classmethod
    def from_dict(cls, d: Optional[Dict[str, Any]]) -> Optional["TaskError"]:
        if not d:
            return None
        return cls(str(d.get("code", "")), str(d.get("message", "")))


@dataclass(frozen=True)
class Health:
    status: str
    version: str
    active_sessions: int
    active_tasks: int
    queued_tasks: int
    uptime_seconds: int
    raw: Dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Health":
        return cls(
            status=d["status"],
            version=d.get("version", ""),
            active_sessions=int(_get(d, "active_sessions", 0)),
            active_tasks=int(_get(d, "active_tasks", 0)),
            queued_tasks=int(_get(d, "queued_tasks", 0)),
            uptime_seconds=int(_get(d, "uptime_seconds", 0)),
            raw=d,
        )


@dataclass(frozen=True)
class SubmittedTask:
    """The answer to a submit. ``created`` is False when an identical earlier submit was returned."""

    task_id: str
    session_id: str
    status: str
    websocket_url: str
    created_at: str
    created: bool
    raw: Dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_dict(cls, d: Dict[str, Any], created: bool) -> "SubmittedTask":
        return cls(d["task_id"], d["session_id"], d["status"], d.get("websocket_url", ""), d.get("created_at", ""), created, d)


@dataclass(frozen=True)
class Task:
    task_id: str
    session_id: str
    status: str
    prompt: str
    workspace: str
    options: Dict[str, Any]
    created_at: str
    started_at: Optional[str]
    completed_at: Optional[str]
    result: Optional[str]
    usage: Usage
    num_turns: int
    cost_usd: float
    duration_ms: Optional[int]
    error: Optional[TaskError]
    websocket_url: str
    raw: Dict[str, Any] = field(repr=False, compare=False)
    #: The trigger whose fire started the task; None for every other task.
    trigger_id: Optional[str] = None
    #: The task's OpenTelemetry trace id; None when the server was not tracing at submit.
    trace_id: Optional[str] = None

    @property
    def is_finished(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Task":
        return cls(
            task_id=d["task_id"],
            session_id=d["session_id"],
            status=d["status"],
            prompt=d.get("prompt", ""),
            workspace=d.get("workspace", ""),
            options=dict(d.get("options") or {}),
            created_at=d.get("created_at", ""),
            started_at=d.get("started_at"),
            completed_at=d.get("completed_at"),
            result=d.get("result"),
            usage=Usage.from_dict(d.get("usage")),
            num_turns=int(_get(d, "num_turns", 0)),
            cost_usd=float(_get(d, "cost_usd", 0.0)),
            duration_ms=d.get("duration_ms"),
            error=TaskError.from_dict(d.get("error")),
            websocket_url=d.get("websocket_url", ""),
            raw=d,
            trigger_id=d.get("trigger_id"),
            trace_id=d.get("trace_id"),
        )


@dataclass(frozen=True)
class TaskPage:
    tasks: List[Task]
    next_cursor: Optional[str]


@dataclass(frozen=True)
class Event:
    """One event envelope: ``{seq, task_id, type, timestamp, data}``. ``type`` is one of EVENT_TYPES
    (a newer server may add more; handle unknown types by ignoring them)."""

    seq: int
    task_id: str
    type: str
    timestamp: str
    data: Dict[str, Any]

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Event":
        return cls(int(d["seq"]), d["task_id"], d["type"], d.get("timestamp", ""), dict(d.get("data") or {}))


@dataclass(frozen=True)
class EventPage:
    task_id: str
    events: List[Event]
    next_after: int
    has_more: bool


@dataclass(frozen=True)
class Session:
    session_id: str
    workspace: str
    status: str
    created_at: str
    last_activity_at: str
    task_count: int
    current_task_id: Optional[str]
    cost_usd: float
    claude_session_id: Optional[str]
    raw: Dict[str, Any] = field(repr=False, compare=False)
    #: ``{"session_id", "task_id"}`` this session was forked from; None if it was not forked.
    forked_from: Optional[Dict[str, str]] = None

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Session":
        return cls(
            session_id=d["session_id"],
            workspace=d.get("workspace", ""),
            status=d["status"],
            created_at=d.get("created_at", ""),
            last_activity_at=d.get("last_activity_at", ""),
            task_count=int(_get(d, "task_count", 0)),
            current_task_id=d.get("current_task_id"),
            cost_usd=float(_get(d, "cost_usd", 0.0)),
            claude_session_id=d.get("claude_session_id"),
            raw=d,
            forked_from=d.get("forked_from"),
        )


@dataclass(frozen=True)
class DeletedSession:
    session_id: str
    deleted: bool
    interrupted_tasks: List[str]


@dataclass(frozen=True)
class WsTicket:
    ticket: str
    expires_at: str
    expires_in_seconds: int
