"""``Client.run``: submit a task and follow it to the end, with an optional deadline."""

from __future__ import annotations

import threading
from typing import Any, Callable, Optional

from .errors import CcsError, TaskTimeoutError
from .models import Event, Task


class RunMixin:
    """Built on ``submit``, ``stream``, ``interrupt`` and ``get_task``; mixed into ``Client``."""

    submit: Any
    stream: Any
    interrupt: Any
    get_task: Any

    def run(
        self,
        prompt: str,
        *,
        timeout: Optional[float] = None,
        on_event: Optional[Callable[[Event], None]] = None,
        **submit_args: Any,
    ) -> Task:
        """Submits a task, follows it to the end and returns its final record.

        ``timeout`` (seconds) is how long to wait: when it passes, the task is interrupted
        through the API, its stream ends as usual, and ``TaskTimeoutError`` is raised carrying
        the interrupted task. (To have the server enforce a limit even if this process dies,
        also pass ``options={"timeout": seconds}``.) ``on_event`` sees every event as it
        arrives. Other arguments are ``submit``'s."""
        submitted = self.submit(prompt, **submit_args)
        timed_out = threading.Event()

        def interrupt_at_deadline() -> None:
            timed_out.set()
            try:
                self.interrupt(submitted.task_id)
            except CcsError:
                pass  # it finished meanwhile, or the stream below reports the trouble

        timer = None if timeout is None else threading.Timer(timeout, interrupt_at_deadline)
        if timer is not None:
            timer.daemon = True
            timer.start()
        try:
            for event in self.stream(submitted.task_id):
                if on_event is not None:
                    on_event(event)
        finally:
            if timer is not None:
                timer.cancel()
        task = self.get_task(submitted.task_id)
        if timed_out.is_set() and task.status == "interrupted":
            raise TaskTimeoutError(f"Task {submitted.task_id} did not finish within {timeout} s and was interrupted", task)
        return task
