"""Secrets through the Python client, against the real server that npm test starts."""

from __future__ import annotations

import os
import unittest
import uuid

from claude_code_server_client import ApiError, Client, Secret


@unittest.skipUnless(os.environ.get("CCS_URL"), "needs a running server: run through `npm test`")
class SecretsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.client = Client()

    def test_set_replace_list_get_delete(self) -> None:
        name = f"py-{uuid.uuid4().hex[:8]}"
        created = self.client.set_secret(name, "python-value-1")
        self.assertIsInstance(created, Secret)
        self.assertEqual(created.name, name)
        self.assertEqual(sorted(created.raw), ["created_at", "name", "updated_at"])
        replaced = self.client.set_secret(name, "python-value-2")
        self.assertEqual(replaced.created_at, created.created_at)
        self.assertIn(name, [s.name for s in self.client.list_secrets()])
        self.assertEqual(self.client.get_secret(name).name, name)

        self.assertIsNone(self.client.delete_secret(name))
        for call in (self.client.get_secret, self.client.delete_secret):
            with self.assertRaises(ApiError) as caught:
                call(name)
            self.assertEqual(caught.exception.status, 404)
            self.assertEqual(caught.exception.code, "SECRET_NOT_FOUND")

    def test_bad_name_is_an_api_error(self) -> None:
        with self.assertRaises(ApiError) as caught:
            self.client.set_secret("bad name", "x")
        self.assertEqual(caught.exception.status, 400)
        self.assertEqual(caught.exception.code, "VALIDATION_ERROR")


if __name__ == "__main__":
    unittest.main()
