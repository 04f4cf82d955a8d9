"""Who sent a request, how to recognise a repeat of it, and where its answer goes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Origin:
    """The request's sender and reply address, stored with the request in the inbox.

    ``response_url``: Slack's URL for ephemeral answers (valid 30 minutes, 5 uses); empty on
    App Home, where the answer goes to the user's DM instead. ``replace``: the answer replaces
    the message that was clicked (paging, a question answered).
    """

    user_id: str
    trigger_id: str = ""
    response_url: str = ""
    in_modal: bool = False  # a click inside an open modal: a new modal is pushed on top
    replace: bool = False
    on_home: bool = False  # a click on the App Home: an answer to read opens as a modal
    view_id: str = ""  # the modal clicked in: paging inside it updates that view

    def replacing(self) -> Origin:
        return replace(self, replace=True)

    def answering_to(self, response_url: str) -> Origin:
        return replace(self, response_url=response_url)


def user_of(body: dict[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "")
    return str(body.get("user_id") or "")


def command_origin(body: dict[str, Any]) -> tuple[Origin, str]:
    """A slash command: the origin and its de-duplication key (Slack re-sends the same
    ``trigger_id`` when it retries a delivery)."""
    origin = Origin(
        user_id=str(body.get("user_id") or ""),
        trigger_id=str(body.get("trigger_id") or ""),
        response_url=str(body.get("response_url") or ""),
    )
    return origin, f"command:{origin.trigger_id or uuid.uuid4().hex}"


def action_origin(body: dict[str, Any], action: dict[str, Any]) -> tuple[Origin, str]:
    """A button click: ``trigger_id`` plus the action's ``action_ts`` identify one click."""
    container = body.get("container") or {}
    view = body.get("view") or {}
    in_view = container.get("type") == "view"
    origin = Origin(
        user_id=user_of(body),
        trigger_id=str(body.get("trigger_id") or ""),
        response_url=str(body.get("response_url") or ""),
        in_modal=in_view and view.get("type") == "modal",
        on_home=in_view and view.get("type") == "home",
        view_id=str(view.get("id") or "") if in_view and view.get("type") == "modal" else "",
    )
    stamp = action.get("action_ts") or ""
    return origin, f"action:{origin.trigger_id or uuid.uuid4().hex}:{stamp}"


def view_origin(body: dict[str, Any], view: dict[str, Any]) -> tuple[Origin, str]:
    """A form submission: the view's id and hash identify one submitted state of one form."""
    origin = Origin(user_id=user_of(body), trigger_id=str(body.get("trigger_id") or ""))
    key = f"view:{view.get('id') or uuid.uuid4().hex}:{view.get('hash') or ''}"
    return origin, key


def shortcut_origin(body: dict[str, Any]) -> tuple[Origin, str]:
    """A global or message shortcut: ``trigger_id`` identifies one use."""
    origin = Origin(
        user_id=user_of(body),
        trigger_id=str(body.get("trigger_id") or ""),
        response_url=str(body.get("response_url") or ""),
    )
    return origin, f"shortcut:{origin.trigger_id or uuid.uuid4().hex}"
