"""Files in and out through the Python client, against the real server that npm test starts."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import tempfile
import unittest
import uuid

from claude_code_server_client import ApiError, Client, DirectoryListing, UploadedFile


@unittest.skipUnless(os.environ.get("CCS_URL"), "needs a running server: run through `npm test`")
class FilesTest(unittest.TestCase):
    def setUp(self) -> None:
        self.client = Client()

    def test_upload_download_list_archive(self) -> None:
        task_id = f"py-files-{uuid.uuid4().hex[:8]}"
        task = self.client.run("[[script:write-file]]", task_id=task_id, workspace=task_id, timeout=60)
        self.assertEqual(task.status, "completed")
        session = task.session_id

        stored = self.client.upload_file(session, "in/data.bin", b"\x00\x01binary\xff")
        self.assertIsInstance(stored, UploadedFile)
        self.assertEqual((stored.path, stored.size), ("in/data.bin", 9))
        with tempfile.TemporaryFile() as source:
            source.write(b"streamed from a file")
            source.seek(0)
            self.assertEqual(self.client.upload_file(session, "in/streamed.txt", source).size, 20)

        self.assertEqual(self.client.download_file(session, "in/data.bin"), b"\x00\x01binary\xff")
        listing = self.client.list_files(session, "in")
        self.assertIsInstance(listing, DirectoryListing)
        self.assertEqual([(e.name, e.type, e.size) for e in listing.entries], [("data.bin", "file", 9), ("streamed.txt", "file", 20)])
        self.assertEqual(listing.entries[0].sha256, stored.sha256)

        archive = self.client.archive(task_id)
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            self.assertIn("./in/streamed.txt", tar.getnames())
        out = io.BytesIO()
        self.assertIsNone(self.client.archive(task_id, format="patch", dest=out))
        self.assertIn(b"+hello from the scripted model", out.getvalue())
        self.assertTrue(gzip.decompress(archive))

    def test_refused_paths_raise_api_errors(self) -> None:
        with self.assertRaises(ApiError) as refused:
            self.client.upload_file("no-such-session", "x.txt", "x")
        self.assertEqual((refused.exception.code, refused.exception.status), ("SESSION_NOT_FOUND", 404))
