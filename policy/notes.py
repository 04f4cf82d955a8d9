"""What an assistant's file holds besides violations: notes, and the questions an admin asked
the VPA manager about the assistant with the manager's answers (consultation)."""

from __future__ import annotations

from enum import StrEnum


class NoteKind(StrEnum):
    NOTE = "note"  # an observation off the ladder (`/vpa notiz`)
    QUESTION = "question"  # an admin's question to the VPA manager
    ANSWER = "answer"  # the manager's answer to a question
