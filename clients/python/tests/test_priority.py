"""Task priorities through the client (run by test/python/python-client.test.ts, as test_client)."""

from __future__ import annotations

import os
import unittest
import uuid

from claude_code_server_client import ApiError, Client


@unittest.skipUnless(os.environ.get("CCS_URL"), "needs a running server: run through `npm test`")
class PriorityTest(unittest.TestCase):
    def setUp(self) -> None:
        self.client = Client()

    def test_priority_is_sent_and_stored(self) -> None:
        urgent = self.client.submit("urgent work", task_id=f"prio-{uuid.uuid4().hex[:8]}", priority=9)
        self.assertEqual(self.client.get_task(urgent.task_id).options["priority"], 9)
        # A priority in the free-form options works too; the named argument wins over it.
        named = self.client.submit("named wins", priority=2, options={"priority": 7})
        self.assertEqual(self.client.get_task(named.task_id).options["priority"], 2)
        default = self.client.submit("no priority named")
        self.assertEqual(self.client.get_task(default.task_id).options["priority"], 5)
        for task in (urgent, named, default):
            list(self.client.stream(task.task_id))  # to its end, so the shared server is left idle

    def test_out_of_range_priority_is_a_validation_error(self) -> None:
        for bad in (10, -1):
            with self.assertRaises(ApiError) as invalid:
                self.client.submit("x", priority=bad)
            self.assertEqual((invalid.exception.status, invalid.exception.code), (400, "VALIDATION_ERROR"))
            self.assertTrue(any(d["path"] == "options.priority" for d in invalid.exception.details))


if __name__ == "__main__":
    unittest.main()
