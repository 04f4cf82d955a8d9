"""The one error type the domain raises when it refuses an input."""

from __future__ import annotations

from typing import Any


class PolicyError(Exception):
    """A rule refused the input.

    ``code`` names the message shown to the user (catalogue key ``error.<code>``);
    ``params`` fill its placeholders. Nothing is written when this is raised.
    """

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __repr__(self) -> str:
        return f"PolicyError({self.code!r}, **{self.params!r})"
