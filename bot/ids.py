"""Every action, block and callback id in one place: Slack routes on these strings."""

from enum import StrEnum


class Callback(StrEnum):
    VIOLATION_MODAL = "violation_modal"
    NOTE_MODAL = "note_modal"
    ASSISTANT_MODAL = "assistant_modal"
    STOP_MODAL = "stop_modal"
    LIFT_MODAL = "lift_modal"
    EXTEND_MODAL = "extend_modal"
    REJECT_MODAL = "reject_modal"
    QUESTION_MODAL = "question_modal"
    ANSWER_MODAL = "answer_modal"


class Shortcut(StrEnum):
    """Callback ids of the shortcuts declared in manifest.yml."""

    LOG_VIOLATION = "violation_shortcut"  # global: "Verstoß eintragen"
    FILE_MESSAGE = "file_message"  # on a message: "In die VPA Akte"


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
    # Stable ids of the approval request's buttons (the issue names them).
    APPROVAL_APPROVE = "approval_approve"
    APPROVAL_REJECT = "approval_reject"
    COMMUNICATED = "communicated"
    CONSULT_ASK = "consult_ask"
    CONSULT_ANSWER = "consult_answer"
    SEVERE_CONFIRM = "severe_confirm"
    SEVERE_DECLINE = "severe_decline"
    # CG re-acceptance: stop an overdue assistant, lift that stop after the acceptance.
    CG_STOP_SET = "cg_stop_set"
    CG_STOP_LIFT = "cg_stop_lift"
    # App Home: send a dead outbox message again (admins only).
    OUTBOX_RETRY = "outbox_retry"
    # '/vpa gekuendigt': the button behind the confirm dialog.
    RESIGN_CONFIRM = "resign_confirm"
    # Paging long lists ("Weitere anzeigen", "Zurück"; suffixed _next / _prev like FILE_PAGE).
    STOPS_PAGE = "stops_page"
    PENDING_PAGE = "pending_page"
    HOME_PAGE = "home_page"
    # App Home: pick an assistant to open the file (an external_select, searched like forms).
    HOME_FILE_SEARCH = "home_file_search"


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
    REASON_TEXT = "reason_text"
    QUESTION = "question"
    ANSWER = "answer"
