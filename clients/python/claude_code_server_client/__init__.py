"""Python client for Claude Code Server (standard library only).

    from claude_code_server_client import Client
    client = Client()                      # $CCS_URL, $CCS_API_KEY
    task = client.run("Add a README", workspace="project", timeout=600)
    print(task.status, task.result)
"""

from .client import Client
from .triggers import Trigger
from .errors import ApiError, CcsError, ConnectionFailed, StreamGapError, TaskTimeoutError
from .schedules import Schedule, ScheduleRun
from .secrets import Secret
from .files import DirectoryEntry, DirectoryListing, UploadedFile
from .models import (
    EVENT_TYPES,
    TERMINAL_STATUSES,
    DeletedSession,
    Event,
    EventPage,
    Health,
    Session,
    SubmittedTask,
    Task,
    TaskError,
    TaskPage,
    Usage,
    WsTicket,
)

__all__ = [
    "Client",
    "DirectoryEntry",
    "DirectoryListing",
    "UploadedFile",
    "ApiError",
    "CcsError",
    "ConnectionFailed",
    "StreamGapError",
    "TaskTimeoutError",
    "EVENT_TYPES",
    "TERMINAL_STATUSES",
    "DeletedSession",
    "Event",
    "EventPage",
    "Health",
    "Session",
    "SubmittedTask",
    "Task",
    "TaskError",
    "TaskPage",
    "Usage",
    "WsTicket",
    "Schedule",
    "ScheduleRun",
    "Trigger",
    "Secret",
]
__version__ = "1.0.0"
