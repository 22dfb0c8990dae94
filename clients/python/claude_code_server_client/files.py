"""Files in and out of a session's workspace, and a task's workspace as an archive (docs/files.md)."""

from __future__ import annotations

import os
import shutil
import urllib.error
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Dict, List, Optional, Union
from .paths import seg as _seg

CHUNK = 64 * 1024


@dataclass(frozen=True)
class UploadedFile:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class DirectoryEntry:
    name: str
    #: ``file``, ``dir``, ``symlink`` or ``other``
    type: str
    size: int
    #: files only
    sha256: Optional[str] = None


@dataclass(frozen=True)
class DirectoryListing:
    path: str
    entries: List[DirectoryEntry]
    truncated: bool
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


Destination = Union[str, "os.PathLike[str]", BinaryIO]


class FilesMixin:
    """``upload_file``, ``download_file``, ``list_files`` and ``archive`` (mixed into Client)."""

    def upload_file(self, session_id: str, path: str, data: Union[bytes, str, BinaryIO]) -> UploadedFile:
        """``PUT /api/v1/sessions/{id}/files?path=…``: ``data`` is bytes, text (UTF-8) or a binary file
        object (streamed). Parents are created; a file already at ``path`` is replaced whole."""
        body: Any = data.encode("utf-8") if isinstance(data, str) else data
        headers = {"Content-Type": "application/octet-stream"}
        if not isinstance(body, (bytes, bytearray)):
            headers["Content-Length"] = str(os.fstat(body.fileno()).st_size - body.tell())
        url = f"/api/v1/sessions/{_seg(session_id)}/files?{urllib.parse.urlencode({'path': path})}"
        with self._raw("PUT", url, data=body, headers=headers) as response:
            d = _json(response)
        return UploadedFile(path=d["path"], size=int(d["size"]), sha256=d["sha256"])

    def download_file(self, session_id: str, path: str, dest: Optional[Destination] = None) -> Optional[bytes]:
        """A file's bytes; with ``dest`` (a path or a binary file object) they are streamed there and None is returned."""
        url = f"/api/v1/sessions/{_seg(session_id)}/files?{urllib.parse.urlencode({'path': path})}"
        with self._raw("GET", url, accept="*/*") as response:
            if (response.headers.get("Content-Type") or "").startswith("application/json"):
                raise IsADirectoryError(f"{path} is a directory; use list_files()")
            return _save(response, dest)

    def list_files(self, session_id: str, path: str = ".") -> DirectoryListing:
        """A directory of the session's workspace ("." is its root), with sizes and hashes."""
        url = f"/api/v1/sessions/{_seg(session_id)}/files?{urllib.parse.urlencode({'path': path})}"
        with self._raw("GET", url) as response:
            if not (response.headers.get("Content-Type") or "").startswith("application/json"):
                raise NotADirectoryError(f"{path} is a file; use download_file()")
            d = _json(response)
        entries = [DirectoryEntry(name=e["name"], type=e["type"], size=int(e["size"]), sha256=e.get("sha256")) for e in d["entries"]]
        return DirectoryListing(path=d["path"], entries=entries, truncated=bool(d["truncated"]), raw=d)

    def archive(self, task_id: str, format: str = "tar.gz", exclude: Optional[List[str]] = None, dest: Optional[Destination] = None) -> Optional[bytes]:
        """``GET /api/v1/tasks/{id}/archive``: the workspace as tar.gz (without .git and node_modules unless
        ``exclude`` names the patterns to leave out instead) or the task's patch (``format="patch"``).
        Returns the bytes, or streams them to ``dest`` and returns None."""
        query: Dict[str, str] = {"format": format}
        if exclude is not None:
            query["exclude"] = ",".join(exclude)
        with self._raw("GET", f"/api/v1/tasks/{_seg(task_id)}/archive?{urllib.parse.urlencode(query)}", accept="*/*") as response:
            return _save(response, dest)

    def _raw(self, method: str, path: str, *, data: Any = None, headers: Optional[Dict[str, str]] = None, accept: str = "application/json") -> Any:
        from .client import _api_error  # the client module imports this one

        try:
            return self._open(method, path, data=data, headers={"Accept": accept, **(headers or {})}, timeout=self.timeout)  # type: ignore[attr-defined]
        except urllib.error.HTTPError as error:
            raise _api_error(error) from None




def _json(response: Any) -> Any:
    import json

    return json.loads(response.read())


def _save(response: Any, dest: Optional[Destination]) -> Optional[bytes]:
    if dest is None:
        return response.read()
    if hasattr(dest, "write"):
        shutil.copyfileobj(response, dest, CHUNK)  # type: ignore[arg-type]
        return None
    with open(dest, "wb") as out:  # type: ignore[arg-type]
        shutil.copyfileobj(response, out, CHUNK)
    return None
