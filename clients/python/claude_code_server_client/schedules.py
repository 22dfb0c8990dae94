"""Schedules: tasks the server starts by itself on a cron schedule (docs/schedules.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional
from .paths import seg as _seg


@dataclass(frozen=True)
class Schedule:
    schedule_id: str
    cron: str
    timezone: str
    task: Dict[str, Any]
    overlap: str
    catch_up: str
    enabled: bool
    created_at: str
    updated_at: str
    next_fire_at: Optional[str]
    last_fired_at: Optional[str]
    last_skip: Optional[Dict[str, Any]]
    raw: Dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Schedule":
        return cls(
            schedule_id=d["schedule_id"],
            cron=d["cron"],
            timezone=d.get("timezone", "UTC"),
            task=dict(d.get("task") or {}),
            overlap=d.get("overlap", "skip"),
            catch_up=d.get("catch_up", "none"),
            enabled=bool(d.get("enabled", True)),
            created_at=d.get("created_at", ""),
            updated_at=d.get("updated_at", ""),
            next_fire_at=d.get("next_fire_at"),
            last_fired_at=d.get("last_fired_at"),
            last_skip=d.get("last_skip"),
            raw=d,
        )


@dataclass(frozen=True)
class ScheduleRun:
    task_id: str
    fired_at: str
    status: str

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "ScheduleRun":
        return cls(d["task_id"], d["fired_at"], d["status"])




def _without_none(fields: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


class SchedulesMixin:
    """The schedule routes; mixed into ``Client``, which brings ``_request``."""

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:  # pragma: no cover - provided by Client
        raise NotImplementedError

    def create_schedule(
        self,
        cron: str,
        prompt: str,
        *,
        schedule_id: Optional[str] = None,
        timezone: Optional[str] = None,
        workspace: Optional[str] = None,
        session_id: Optional[str] = None,
        reuse_existing: Optional[bool] = None,
        options: Optional[Dict[str, Any]] = None,
        webhook: Optional[Dict[str, Any]] = None,
        overlap: Optional[str] = None,
        catch_up: Optional[str] = None,
        enabled: Optional[bool] = None,
    ) -> Schedule:
        """``POST /api/v1/schedules``. With your own ``schedule_id`` a retry is safe: the same
        body returns the existing schedule (another body under that id raises a 409 ApiError)."""
        task = _without_none({"prompt": prompt, "workspace": workspace, "session_id": session_id, "reuse_existing": reuse_existing, "options": options, "webhook": webhook})
        body = _without_none({"schedule_id": schedule_id, "cron": cron, "timezone": timezone, "task": task, "overlap": overlap, "catch_up": catch_up, "enabled": enabled})
        return Schedule.from_dict(self._request("POST", "/api/v1/schedules", body=body, idempotent=schedule_id is not None))

    def list_schedules(self) -> List[Schedule]:
        """``GET /api/v1/schedules``: this tenant's schedules."""
        return [Schedule.from_dict(s) for s in self._request("GET", "/api/v1/schedules")["schedules"]]

    def get_schedule(self, schedule_id: str) -> Schedule:
        """``GET /api/v1/schedules/{schedule_id}``."""
        return Schedule.from_dict(self._request("GET", f"/api/v1/schedules/{_seg(schedule_id)}"))

    def update_schedule(
        self,
        schedule_id: str,
        *,
        cron: Optional[str] = None,
        timezone: Optional[str] = None,
        task: Optional[Dict[str, Any]] = None,
        overlap: Optional[str] = None,
        catch_up: Optional[str] = None,
        enabled: Optional[bool] = None,
    ) -> Schedule:
        """``PATCH /api/v1/schedules/{schedule_id}``: changes only the fields given; ``task``
        replaces the whole template."""
        body = _without_none({"cron": cron, "timezone": timezone, "task": task, "overlap": overlap, "catch_up": catch_up, "enabled": enabled})
        return Schedule.from_dict(self._request("PATCH", f"/api/v1/schedules/{_seg(schedule_id)}", body=body))

    def delete_schedule(self, schedule_id: str) -> bool:
        """``DELETE /api/v1/schedules/{schedule_id}``: no more firings; tasks it started stay."""
        return bool(self._request("DELETE", f"/api/v1/schedules/{_seg(schedule_id)}")["deleted"])

    def schedule_runs(self, schedule_id: str, limit: Optional[int] = None) -> List[ScheduleRun]:
        """``GET /api/v1/schedules/{schedule_id}/runs``: the tasks it started, newest first, with
        their current status."""
        answer = self._request("GET", f"/api/v1/schedules/{_seg(schedule_id)}/runs", query={"limit": limit})
        return [ScheduleRun.from_dict(r) for r in answer["runs"]]
