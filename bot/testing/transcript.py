"""Turn Block Kit payloads into readable plain text, for the demo and test failure messages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")  # Slack shows the reader's form; we the fallback


def _plain(text: str, people: Mapping[str, str]) -> str:
    text = _MENTION.sub(lambda m: "@" + people.get(m.group(1), m.group(1)), text)
    text = _DATE.sub(lambda m: m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text_of(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return str(obj or "")


def render(payload: Mapping[str, Any], people: Mapping[str, str] | None = None) -> str:
    """Every block as lines of text; buttons as [Label]; falls back to ``text``."""
    people = people or {}
    lines: list[str] = []
    for block in payload.get("blocks") or []:
        kind = block.get("type")
        if kind in ("section", "header"):
            lines.append(_text_of(block.get("text")))
            for field in block.get("fields") or []:
                lines.append(_text_of(field))
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button":
                lines[-1] += f"  [{_text_of(accessory.get('text'))}]"
        elif kind == "context":
            lines.append("  " + " ".join(_text_of(e) for e in block.get("elements", [])))
        elif kind == "actions":
            lines.append("  " + " ".join(f"[{_text_of(e.get('text'))}]" for e in block["elements"]))
        elif kind == "divider":
            lines.append("  ───")
        elif kind == "input":
            lines.append(f"  ▸ {_text_of(block.get('label'))}")
    if not lines:
        lines.append(str(payload.get("text", "")))
    return _plain("\n".join(lines), people)
