"""URL path segments, shared by the client's route groups."""

from __future__ import annotations

import urllib.parse


def seg(value: str) -> str:
    """One path segment: ``/`` and everything else reserved is escaped."""
    return urllib.parse.quote(value, safe="")
