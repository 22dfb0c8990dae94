"""A minimal Server-Sent Events reader: enough of the WHATWG format for the server's frames
(``id:``, ``data:``, comment lines), read line by line so each event is handed over as soon
as its blank line arrives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Iterator, Optional


@dataclass(frozen=True)
class SseFrame:
    id: Optional[str]
    event: Optional[str]
    data: str


def read_frames(stream: IO[bytes]) -> Iterator[SseFrame]:
    """Yields frames until the stream ends; a frame cut off by the end of the stream is dropped,
    as the spec says, so a half-received event is never reported."""
    frame_id: Optional[str] = None
    event: Optional[str] = None
    data: list = []
    while True:
        raw = stream.readline()
        if not raw:
            return
        line = raw.decode("utf-8").rstrip("\r\n")
        if line == "":
            if data:
                yield SseFrame(frame_id, event, "\n".join(data))
            frame_id, event, data = None, None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "id":
            frame_id = value
        elif name == "event":
            event = value
