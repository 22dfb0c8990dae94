"""Runs the client against a real Claude Code Server (real Agent SDK and CLI, scripted model).

The server is started by test/python/python-client.test.ts (npm test), which sets CCS_URL and
CCS_API_KEY; the scripted model reads `[[script:NAME]]` directives from the prompt.
"""

from __future__ import annotations

import os
import subprocess
import sys
import unittest
import urllib.parse
import uuid

from claude_code_server_client import (
    ApiError,
    Client,
    Event,
    Health,
    Session,
    Task,
    TaskTimeoutError,
)

from .relay import Relay

HERE = os.path.dirname(os.path.abspath(__file__))


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


@unittest.skipUnless(os.environ.get("CCS_URL"), "needs a running server: run through `npm test`")
class ClientTest(unittest.TestCase):
    def setUp(self) -> None:
        self.client = Client()

    def test_health(self) -> None:
        health = self.client.health()
        self.assertIsInstance(health, Health)
        self.assertEqual(health.status, "healthy")
        self.assertGreaterEqual(health.uptime_seconds, 0)

    def test_submit_get_and_list(self) -> None:
        task_id = unique("py-submit")
        workspace = unique("ws")
        submitted = self.client.submit("[[script:write-file]] write it", task_id=task_id, workspace=workspace)
        self.assertTrue(submitted.created)
        self.assertEqual(submitted.task_id, task_id)
        self.assertIn(submitted.status, ("queued", "running"))
        self.assertTrue(submitted.websocket_url.endswith(f"/ws/tasks/{task_id}"))

        events = list(self.client.stream(task_id))
        self.assertEqual(events[-1].type, "complete")
        task = self.client.get_task(task_id)
        self.assertIsInstance(task, Task)
        self.assertEqual(task.status, "completed")
        self.assertTrue(task.is_finished)
        self.assertIn("hello.txt", task.result or "")
        self.assertGreater(task.usage.output_tokens, 0)

        # The same body again is an idempotent replay, not a second task.
        again = self.client.submit("[[script:write-file]] write it", task_id=task_id, workspace=workspace)
        self.assertFalse(again.created)

        ids = [t.task_id for t in self.client.iter_tasks(page_size=1)]
        self.assertIn(task_id, ids)
        self.assertEqual(len(ids), len(set(ids)))
        page = self.client.list_tasks(status="completed", limit=1)
        self.assertLessEqual(len(page.tasks), 1)
        self.assertTrue(all(t.status == "completed" for t in page.tasks))

    def test_events_history_page(self) -> None:
        task = self.client.run("[[script:multi-tool]] go", workspace=unique("ws"))
        self.assertEqual(task.status, "completed")
        first = self.client.events(task.task_id, after=0, limit=2)
        self.assertEqual([e.seq for e in first.events], [1, 2])
        self.assertTrue(first.has_more)
        rest = self.client.events(task.task_id, after=first.next_after)
        self.assertFalse(rest.has_more)
        seqs = [e.seq for e in first.events + rest.events]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)))
        self.assertEqual(rest.events[-1].type, "complete")

    def test_stream_yields_typed_events_in_order(self) -> None:
        seen: list = []
        task = self.client.run("[[script:multi-tool]] go", workspace=unique("ws"), on_event=seen.append)
        self.assertEqual(task.status, "completed")
        self.assertTrue(all(isinstance(e, Event) for e in seen))
        self.assertEqual([e.seq for e in seen], list(range(1, len(seen) + 1)))
        types = [e.type for e in seen]
        for expected in ("message", "tool_use", "tool_result", "progress", "complete"):
            self.assertIn(expected, types)
        self.assertEqual(types.count("complete"), 1)
        self.assertEqual(seen[-1].data["status"], "completed")
        # Resuming after a seq replays only what follows it.
        replay = list(self.client.stream(task.task_id, after=seen[2].seq))
        self.assertEqual([e.seq for e in replay], [e.seq for e in seen[3:]])

    def test_stream_survives_dropped_connections(self) -> None:
        parsed = urllib.parse.urlparse(self.client.base_url)
        relay = Relay(parsed.hostname or "127.0.0.1", parsed.port or 80)
        try:
            through_relay = Client(relay.url)
            submitted = through_relay.submit("[[script:bash]] [[cmd:sleep 2; echo after-the-drop]]", workspace=unique("ws"))
            received = []
            for event in through_relay.stream(submitted.task_id):
                received.append(event)
                # Cut the connection under the open stream while the agent is still working.
                if len(received) == 1:
                    self.assertGreaterEqual(relay.drop_all(), 1)
            seqs = [e.seq for e in received]
            self.assertEqual(seqs, list(range(1, len(seqs) + 1)), "no gap and no duplicate")
            self.assertEqual(received[-1].type, "complete")
            self.assertGreaterEqual(relay.connections, 3, "the stream was reopened after the drop")
            outputs = [e.data.get("content", "") for e in received if e.type == "tool_result"]
            self.assertTrue(any("after-the-drop" in o for o in outputs))
            # Exactly what the server stored, event for event.
            stored = self.client.events(submitted.task_id).events
            self.assertEqual([(e.seq, e.type) for e in stored], [(e.seq, e.type) for e in received])
        finally:
            relay.close()

    def test_interrupt_and_typed_errors(self) -> None:
        submitted = self.client.submit("[[script:slow]] take your time", workspace=unique("ws"))
        stream = self.client.stream(submitted.task_id)
        task = self.client.interrupt(submitted.task_id)
        self.assertEqual(task.status, "interrupted")
        self.assertIsNotNone(task.error)
        self.assertEqual(task.error.code, "TASK_INTERRUPTED")
        events = list(stream)
        self.assertEqual([e.type for e in events[-2:]], ["error", "complete"])

        with self.assertRaises(ApiError) as raised:
            self.client.interrupt(submitted.task_id)
        self.assertEqual((raised.exception.status, raised.exception.code), (409, "TASK_NOT_RUNNING"))
        self.assertTrue(raised.exception.request_id)

    def test_not_found_validation_and_auth_errors(self) -> None:
        with self.assertRaises(ApiError) as missing:
            self.client.get_task("no-such-task")
        self.assertEqual((missing.exception.status, missing.exception.code), (404, "TASK_NOT_FOUND"))
        self.assertTrue(missing.exception.request_id)

        with self.assertRaises(ApiError) as invalid:
            self.client.submit("x", max_turns=0)
        self.assertEqual((invalid.exception.status, invalid.exception.code), (400, "VALIDATION_ERROR"))
        self.assertTrue(any(d["path"] == "options.max_turns" for d in invalid.exception.details))

        with self.assertRaises(ApiError) as no_stream:
            list(self.client.stream("no-such-task"))
        self.assertEqual(no_stream.exception.code, "TASK_NOT_FOUND")

        if os.environ.get("CCS_API_KEY"):
            with self.assertRaises(ApiError) as unauthorized:
                Client(api_key="wrong-key-0000000000").list_tasks()
            self.assertEqual((unauthorized.exception.status, unauthorized.exception.code), (401, "UNAUTHORIZED"))

    def test_run_timeout_interrupts_the_task(self) -> None:
        with self.assertRaises(TaskTimeoutError) as raised:
            self.client.run("[[script:slow]] never mind", workspace=unique("ws"), timeout=1.5)
        task = raised.exception.task
        self.assertEqual(task.status, "interrupted")
        self.assertEqual(self.client.get_task(task.task_id).status, "interrupted")

    def test_sessions_reuse_list_get_delete(self) -> None:
        session_id = unique("py-session")
        workspace = unique("ws")
        first = self.client.run("[[script:remember]] remember the codeword is heron", workspace=workspace, session_id=session_id)
        self.assertEqual(first.session_id, session_id)
        second = self.client.run("[[script:recall]] what was it?", workspace=workspace, session_id=session_id, reuse_existing=True)
        self.assertEqual(second.status, "completed")
        self.assertIn("heron", second.result or "")

        session = self.client.get_session(session_id)
        self.assertIsInstance(session, Session)
        self.assertEqual(session.task_count, 2)
        self.assertEqual(session.status, "idle")
        self.assertIn(session_id, [s.session_id for s in self.client.list_sessions()])
        self.assertIn(session_id, [s.session_id for s in self.client.list_sessions(status="all")])

        deleted = self.client.delete_session(session_id)
        self.assertTrue(deleted.deleted)
        self.assertEqual(deleted.interrupted_tasks, [])
        with self.assertRaises(ApiError) as gone:
            self.client.get_session(session_id)
        self.assertEqual(gone.exception.code, "SESSION_NOT_FOUND")

    def test_fork_remembers_up_to_the_fork_point(self) -> None:
        session_id = unique("py-fork-src")
        first = self.client.run("[[script:remember]] remember heron", workspace=unique("ws"), session_id=session_id)
        self.client.run("[[script:remember]] remember egret", session_id=session_id, reuse_existing=True)

        forked = self.client.fork(session_id, at_task_id=first.task_id, new_session_id=unique("py-fork"))
        self.assertIsInstance(forked, Session)
        self.assertEqual(forked.forked_from, {"session_id": session_id, "task_id": first.task_id})
        self.assertNotEqual(forked.workspace, first.workspace)
        recalled = self.client.run("[[script:recall]] what was it?", session_id=forked.session_id, reuse_existing=True)
        self.assertIn("heron", recalled.result or "")
        self.assertNotIn("egret", recalled.result or "")

        shared = self.client.fork(session_id, copy_workspace=False)
        self.assertEqual(shared.workspace, first.workspace)
        with self.assertRaises(ApiError) as clash:
            self.client.fork(session_id, new_session_id=forked.session_id)
        self.assertEqual(clash.exception.code, "SESSION_ALREADY_EXISTS")

    def test_ws_ticket_and_openapi(self) -> None:
        ticket = self.client.create_ws_ticket()
        self.assertTrue(ticket.ticket)
        self.assertGreater(ticket.expires_in_seconds, 0)
        spec = self.client.openapi()
        self.assertIn("/api/v1/tasks", spec["paths"])

    def test_example_script_runs(self) -> None:
        script = os.path.join(HERE, "..", "examples", "orchestrator.py")
        env = dict(os.environ, PYTHONPATH=os.path.join(HERE, ".."))
        done = subprocess.run(
            [sys.executable, script, "--workspace", unique("example"), "--first", "[[script:remember]] remember the codeword is otter", "--second", "[[script:recall]] what was the codeword?"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("otter", done.stdout)
        self.assertIn("completed", done.stdout)


if __name__ == "__main__":
    unittest.main()


@unittest.skipUnless(os.environ.get("CCS_URL"), "needs a running server: run through `npm test`")
class TriggerTest(unittest.TestCase):
    def test_create_fire_rotate_delete(self) -> None:
        client = Client()
        created = client.create_trigger(unique("py-trigger"), "Look at this", workspace=unique("ws"), options={"max_turns": 3})
        self.assertTrue(created.trigger_id.startswith("trg_"))
        self.assertTrue(created.token)
        listed = [t.trigger_id for t in client.list_triggers()]
        self.assertIn(created.trigger_id, listed)
        self.assertIsNone(client.get_trigger(created.trigger_id).token)

        # A client without the API key: the token alone fires.
        outsider = Client(api_key="")
        outsider.api_key = None
        task = outsider.fire_trigger(created.trigger_id, created.token, "the details", idempotency_key="py-1")
        self.assertEqual(task.trigger_id, created.trigger_id)
        self.assertEqual(task.prompt, "Look at this\n\nthe details")
        again = outsider.fire_trigger(created.trigger_id, created.token, "the details", idempotency_key="py-1")
        self.assertEqual(again.task_id, task.task_id)
        self.assertEqual(client.get_task(task.task_id).trigger_id, created.trigger_id)

        rotated = client.rotate_trigger(created.trigger_id)
        self.assertNotEqual(rotated.token, created.token)
        with self.assertRaises(ApiError) as refused:
            outsider.fire_trigger(created.trigger_id, created.token)
        self.assertEqual((refused.exception.code, refused.exception.status), ("TRIGGER_UNAUTHORIZED", 401))

        self.assertTrue(client.delete_trigger(created.trigger_id))
        with self.assertRaises(ApiError) as gone:
            client.get_trigger(created.trigger_id)
        self.assertEqual(gone.exception.code, "TRIGGER_NOT_FOUND")
