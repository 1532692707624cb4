"""Worker settings for the kill test: e-mail is written to files slowly, so that the test can
kill the worker while it is in the middle of sending (tests/integration/test_reliability.py)."""

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend as FileBackend

from psweb.settings import *  # noqa: F403 (these settings, with one backend replaced)

EMAIL_BACKEND = "tests.integration.slow_mail.SlowFileBackend"


class SlowFileBackend(FileBackend):
    def send_messages(self, email_messages):
        marker = Path(self.file_path) / "sending"
        marker.write_text(" ".join(message.subject for message in email_messages))
        time.sleep(float(os.environ.get("SLOW_MAIL_SECONDS", "8")))
        return super().send_messages(email_messages)
