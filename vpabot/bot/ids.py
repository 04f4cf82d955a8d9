"""Every action, block and callback id in one place: Slack routes on these strings."""

from enum import StrEnum


class Callback(StrEnum):
    VIOLATION_MODAL = "violation_modal"
    NOTE_MODAL = "note_modal"
    ASSISTANT_MODAL = "assistant_modal"
    STOP_MODAL = "stop_modal"
    LIFT_MODAL = "lift_modal"
    EXTEND_MODAL = "extend_modal"


class Action(StrEnum):
    ASSISTANT_SELECT = "assistant_select"
    FILE_PAGE = "file_page"
    OPEN_FILE = "open_file"
    STOP_OPEN = "stop_open"
    VIOLATION_SELECT = "violation_select"
    # Stable ids of the review reminder's buttons (the issue names them).
    REVIEW_LIFT = "review_lift"
    REVIEW_EXTEND = "review_extend"
    REVIEW_CONVERT = "review_convert"


class Block(StrEnum):
    ASSISTANT = "assistant"
    SOURCE = "source"
    TAG = "tag"
    SEVERE = "severe"
    NOTE = "note"
    HANDLE = "handle"
    NAME = "name"
    KIND = "kind"
    UNTIL = "until"
    REASON = "reason"
    VIOLATION = "violation"
