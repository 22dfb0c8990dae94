"""Sessions: list, inspect, delete and fork them (docs/api.md, docs/forks.md)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from .models import DeletedSession, Session
from .paths import seg as _seg


class SessionsMixin:
    """The session routes; mixed into ``Client``, which brings ``_request``."""

    _request: Any

    def list_sessions(self, status: Optional[str] = None) -> List[Session]:
        """``GET /api/v1/sessions``: open sessions; ``status`` is idle, busy, expired or all."""
        answer = self._request("GET", "/api/v1/sessions", query={"status": status})
        return [Session.from_dict(s) for s in answer["sessions"]]

    def get_session(self, session_id: str) -> Session:
        """``GET /api/v1/sessions/{session_id}``."""
        return Session.from_dict(self._request("GET", f"/api/v1/sessions/{_seg(session_id)}"))

    def delete_session(self, session_id: str) -> DeletedSession:
        """``DELETE /api/v1/sessions/{session_id}``: interrupts its running task, cancels queued ones."""
        answer = self._request("DELETE", f"/api/v1/sessions/{_seg(session_id)}")
        return DeletedSession(answer["session_id"], bool(answer["deleted"]), list(answer.get("interrupted_tasks", [])))

    def fork(
        self,
        session_id: str,
        at_task_id: Optional[str] = None,
        new_session_id: Optional[str] = None,
        workspace: Optional[str] = None,
        copy_workspace: Optional[bool] = None,
    ) -> Session:
        """``POST /api/v1/sessions/{session_id}/fork``: a new session continuing this one's conversation
        as of the end of ``at_task_id`` (default: its latest finished task), in a copy of its workspace
        (``copy_workspace=False`` shares it). The source session is untouched."""
        body: Dict[str, Any] = {}
        for key, value in (("session_id", new_session_id), ("at_task_id", at_task_id), ("workspace", workspace), ("copy_workspace", copy_workspace)):
            if value is not None:
                body[key] = value
        # Not retried on a dropped connection: a fork that was made would then answer 409 or fork twice.
        return Session.from_dict(self._request("POST", f"/api/v1/sessions/{_seg(session_id)}/fork", body=body, idempotent=False))
