"""The one exception a handler raises to answer with a RetCode."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, ret_code: int, message: str):
        super().__init__(message)
        self.ret_code = ret_code
        self.message = message
