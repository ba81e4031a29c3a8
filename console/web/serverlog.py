"""The server log is for operators: one line per refusal, not a traceback."""

from __future__ import annotations

import logging


class RefusalOnOneLine(logging.Filter):
    """Django logs a PermissionDenied (403) with its traceback; a refusal is the console
    working as meant, so it becomes one line that says what was refused and why."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403 and record.exc_info:
            reason = str(record.exc_info[1] or "").replace("\n", " ")
            record.msg = f"{record.getMessage()}: {reason}" if reason else record.getMessage()
            record.args = ()
            record.exc_info = record.exc_text = None
        return True
