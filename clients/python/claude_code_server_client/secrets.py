"""Secrets: write-only values of your tenant that a task's MCP server headers name (docs/secrets.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List
from .paths import seg as _seg


@dataclass(frozen=True)
class Secret:
    """A secret's metadata; no answer ever carries its value."""

    name: str
    created_at: str
    updated_at: str
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Secret":
        return cls(name=d["name"], created_at=d.get("created_at", ""), updated_at=d.get("updated_at", ""), raw=d)




class SecretsMixin:
    """The secret routes; mixed into ``Client``, which brings ``_request``."""

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:  # pragma: no cover - provided by Client
        raise NotImplementedError

    def set_secret(self, name: str, value: str) -> Secret:
        """``POST /api/v1/secrets``: creates the secret or replaces its value (the answer never shows it).
        Setting the same value again is harmless, so a dropped connection is retried."""
        return Secret.from_dict(self._request("POST", "/api/v1/secrets", body={"name": name, "value": value}, idempotent=True))

    def list_secrets(self) -> List[Secret]:
        """``GET /api/v1/secrets``: your secrets, sorted by name, without values."""
        return [Secret.from_dict(s) for s in self._request("GET", "/api/v1/secrets")["secrets"]]

    def get_secret(self, name: str) -> Secret:
        """``GET /api/v1/secrets/{name}``; a missing one raises ApiError 404 ``SECRET_NOT_FOUND``."""
        return Secret.from_dict(self._request("GET", f"/api/v1/secrets/{_seg(name)}"))

    def delete_secret(self, name: str) -> None:
        """``DELETE /api/v1/secrets/{name}`` (204); a missing one raises ApiError 404 ``SECRET_NOT_FOUND``."""
        self._request("DELETE", f"/api/v1/secrets/{_seg(name)}")
