"""Slack's mrkdwn: the one place user text is made safe.

Slack reads ``&``, ``<`` and ``>`` as control characters: ``<!channel>`` notifies everyone,
``<https://x|klick>`` is a disguised link. Every user-derived string is escaped exactly once:
``Translator`` escapes every parameter it is given unless it is ``Mrkdwn`` already (text
this module escaped, a mention vpabot wrote on purpose, or another translated message).
"""

from __future__ import annotations


class Mrkdwn(str):
    """A string that is safe to put into mrkdwn as it is: never escaped again."""

    __slots__ = ()


def escape(text: str) -> Mrkdwn:
    """User text that must not turn into mentions or links (Slack's three control characters).

    Idempotent on ``Mrkdwn``: text that was escaped (or written as mrkdwn on purpose) is kept.
    """
    if isinstance(text, Mrkdwn):
        return text
    return Mrkdwn(str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def unescape(text: str) -> str:
    """Text as the person typed it, from text Slack escaped on the way in: a slash command's
    ``text`` and a message's ``text`` arrive with ``&amp;``, ``&lt;`` and ``&gt;`` (Slack's
    "Escaping text"); form inputs arrive as typed and must not go through this. Undone once,
    here, so "Antwortzeit > 24 h" is stored as typed and escaped once again on the way out."""
    return str(text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mention(user_id: str) -> Mrkdwn:
    """``<@U123>``: a user mention vpabot writes on purpose (ids only, never typed text)."""
    return Mrkdwn(f"<@{escape(user_id)}>")


def channel_link(channel_id: str) -> Mrkdwn:
    return Mrkdwn(f"<#{escape(channel_id)}>")
