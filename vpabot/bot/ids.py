"""Every action, block and callback id in one place: Slack routes on these strings."""

from enum import StrEnum


class Callback(StrEnum):
    VIOLATION_MODAL = "violation_modal"
    NOTE_MODAL = "note_modal"
    ASSISTANT_MODAL = "assistant_modal"


class Action(StrEnum):
    ASSISTANT_SELECT = "assistant_select"
    FILE_PAGE = "file_page"
    OPEN_FILE = "open_file"


class Block(StrEnum):
    ASSISTANT = "assistant"
    SOURCE = "source"
    TAG = "tag"
    SEVERE = "severe"
    NOTE = "note"
    HANDLE = "handle"
    NAME = "name"
