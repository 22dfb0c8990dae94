#!/usr/bin/env python3
"""What an orchestrator does with Claude Code Server: submit a task, follow it live, then
continue the same conversation in a second task of the same session.

    export CCS_URL=http://localhost:8000 CCS_API_KEY=...   # the key only if auth is on
    python3 examples/orchestrator.py --workspace my-repo \
        --first "Create a file named NOTES.md listing the project's modules" \
        --second "Now add a short summary at the top of NOTES.md"
"""

from __future__ import annotations

import argparse
import sys
import uuid

from claude_code_server_client import ApiError, Client, Event, TaskTimeoutError


def show(event: Event) -> None:
    """One line per event, the way a log or a chat window would show it."""
    data = event.data
    if event.type == "message":
        print(f"  assistant: {data['text']}")
    elif event.type == "tool_use":
        print(f"  tool call: {data['name']} {str(data['input'])[:100]}")
    elif event.type == "tool_result":
        marker = "error" if data["is_error"] else "result"
        print(f"  tool {marker}: {data['content'][:100]!r}")
    elif event.type == "progress":
        print(f"  progress: {data['turns']} turns, {data['input_tokens'] + data['output_tokens']} tokens, ${data['cost_usd']:.4f}")
    elif event.type == "error":
        print(f"  error: {data['code']}: {data['message']}")
    elif event.type == "complete":
        print(f"  complete: {data['status']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", required=True, help="folder under the server's WORKSPACE_ROOT")
    parser.add_argument("--first", required=True, help="the first task's prompt")
    parser.add_argument("--second", required=True, help="a follow-up prompt, run in the same session")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for each task")
    args = parser.parse_args()

    client = Client()  # CCS_URL and CCS_API_KEY from the environment
    print(f"server: {client.health().status}")
    session_id = f"orchestrator-{uuid.uuid4().hex[:8]}"

    try:
        # 1. Submit and follow: run() submits, streams every event to `show`, and returns the final task.
        print(f"task 1 in session {session_id}:")
        first = client.run(args.first, workspace=args.workspace, session_id=session_id, timeout=args.timeout, on_event=show)
        print(f"task 1 {first.status}: {first.result}")

        # 2. Reuse the session: the agent continues the same conversation, in the same workspace.
        print("task 2, same session:")
        second = client.run(args.second, workspace=args.workspace, session_id=session_id, reuse_existing=True, timeout=args.timeout, on_event=show)
        print(f"task 2 {second.status}: {second.result}")
        print(f"session cost so far: ${client.get_session(session_id).cost_usd:.4f}")
        return 0 if second.status == "completed" else 1
    except TaskTimeoutError as error:
        print(f"gave up: {error} (task {error.task.task_id} is {error.task.status})", file=sys.stderr)
        return 2
    except ApiError as error:
        print(f"server refused: {error.code} ({error.status}): {error.message} [request {error.request_id}]", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
