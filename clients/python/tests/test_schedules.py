"""Schedules through the Python client, against the real server that npm test starts."""

from __future__ import annotations

import os
import time
import unittest
import uuid

from claude_code_server_client import ApiError, Client, Schedule


@unittest.skipUnless(os.environ.get("CCS_URL"), "needs a running server: run through `npm test`")
class SchedulesTest(unittest.TestCase):
    def setUp(self) -> None:
        self.client = Client()

    def test_create_runs_update_delete(self) -> None:
        schedule_id = f"py-{uuid.uuid4().hex[:8]}"
        created = self.client.create_schedule("*/2 * * * * *", "hello from python", schedule_id=schedule_id, workspace="py-sched")
        self.assertIsInstance(created, Schedule)
        self.assertEqual(created.schedule_id, schedule_id)
        self.assertTrue(created.enabled)
        self.assertIsNotNone(created.next_fire_at)
        self.assertIn(schedule_id, [s.schedule_id for s in self.client.list_schedules()])

        deadline = time.time() + 60
        runs = []
        while time.time() < deadline:
            runs = self.client.schedule_runs(schedule_id)
            if any(r.status == "completed" for r in runs):
                break
            time.sleep(0.5)
        done = [r for r in runs if r.status == "completed"]
        self.assertTrue(done, f"no completed run in {runs}")
        self.assertEqual(self.client.get_task(done[0].task_id).raw["schedule_id"], schedule_id)

        disabled = self.client.update_schedule(schedule_id, enabled=False)
        self.assertFalse(disabled.enabled)
        self.assertIsNone(disabled.next_fire_at)
        self.assertTrue(self.client.delete_schedule(schedule_id))
        with self.assertRaises(ApiError) as caught:
            self.client.get_schedule(schedule_id)
        self.assertEqual(caught.exception.status, 404)
        self.assertEqual(caught.exception.code, "SCHEDULE_NOT_FOUND")

    def test_bad_cron_is_an_api_error(self) -> None:
        with self.assertRaises(ApiError) as caught:
            self.client.create_schedule("not a cron", "x")
        self.assertEqual(caught.exception.status, 400)
        self.assertEqual(caught.exception.code, "INVALID_SCHEDULE")


if __name__ == "__main__":
    unittest.main()
