"""Triggers: named task templates that a token of their own starts (docs/triggers.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from .models import Task
from .paths import seg as _seg


@dataclass(frozen=True)
class Trigger:
    trigger_id: str
    name: str
    task: Dict[str, Any]
    created_at: str
    token_issued_at: str
    last_fired_at: Optional[str]
    fire_count: int
    fire_url: str
    #: Only in the answer of ``create_trigger`` and ``rotate_trigger``; None everywhere else.
    token: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Trigger":
        return cls(
            trigger_id=d["trigger_id"],
            name=d["name"],
            task=dict(d.get("task") or {}),
            created_at=d.get("created_at", ""),
            token_issued_at=d.get("token_issued_at", ""),
            last_fired_at=d.get("last_fired_at"),
            fire_count=int(d.get("fire_count", 0)),
            fire_url=d.get("fire_url", ""),
            token=d.get("token"),
            raw=d,
        )




class TriggersMixin:
    """The trigger routes; mixed into ``Client`` (which provides ``_request_with_status``)."""

    def create_trigger(
        self,
        name: str,
        prompt: str,
        *,
        workspace: Optional[str] = None,
        session_id: Optional[str] = None,
        reuse_existing: Optional[bool] = None,
        options: Optional[Dict[str, Any]] = None,
        webhook: Optional[Dict[str, Any]] = None,
    ) -> Trigger:
        """``POST /api/v1/triggers``. The answer's ``token`` is shown only this once: store it."""
        task: Dict[str, Any] = {"prompt": prompt}
        for key, value in (("workspace", workspace), ("session_id", session_id), ("reuse_existing", reuse_existing), ("options", options), ("webhook", webhook)):
            if value is not None:
                task[key] = value
        answer, _ = self._request_with_status("POST", "/api/v1/triggers", body={"name": name, "task": task}, idempotent=False)  # type: ignore[attr-defined]
        return Trigger.from_dict(answer)

    def list_triggers(self) -> List[Trigger]:
        """``GET /api/v1/triggers``: this key's triggers, oldest first, without tokens."""
        answer, _ = self._request_with_status("GET", "/api/v1/triggers")  # type: ignore[attr-defined]
        return [Trigger.from_dict(t) for t in answer["triggers"]]

    def get_trigger(self, trigger_id: str) -> Trigger:
        """``GET /api/v1/triggers/{trigger_id}``."""
        answer, _ = self._request_with_status("GET", f"/api/v1/triggers/{_seg(trigger_id)}")  # type: ignore[attr-defined]
        return Trigger.from_dict(answer)

    def delete_trigger(self, trigger_id: str) -> bool:
        """``DELETE /api/v1/triggers/{trigger_id}``: its token stops working at once."""
        answer, _ = self._request_with_status("DELETE", f"/api/v1/triggers/{_seg(trigger_id)}")  # type: ignore[attr-defined]
        return bool(answer["deleted"])

    def rotate_trigger(self, trigger_id: str) -> Trigger:
        """``POST /api/v1/triggers/{trigger_id}/rotate``: a new ``token``; the old one stops working."""
        answer, _ = self._request_with_status("POST", f"/api/v1/triggers/{_seg(trigger_id)}/rotate", idempotent=False)  # type: ignore[attr-defined]
        return Trigger.from_dict(answer)

    def fire_trigger(
        self,
        trigger_id: str,
        token: str,
        text: Optional[str] = None,
        *,
        task_id: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> Task:
        """``POST /api/v1/triggers/{trigger_id}/fire`` with the trigger's token (no API key needed).
        ``text`` is appended to the template's prompt after a blank line. With ``task_id`` or
        ``idempotency_key`` a retried fire returns the first fire's task (and is retried on a
        dropped connection)."""
        body: Dict[str, Any] = {}
        if text is not None:
            body["text"] = text
        if task_id is not None:
            body["task_id"] = task_id
        headers = {"Authorization": f"Bearer {token}"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        idempotent = task_id is not None or idempotency_key is not None
        answer, _ = self._request_with_status(  # type: ignore[attr-defined]
            "POST", f"/api/v1/triggers/{_seg(trigger_id)}/fire", body=body, idempotent=idempotent, headers=headers
        )
        return Task.from_dict(answer)
