"""Reading a submitted modal's state into plain values."""

from __future__ import annotations

from typing import Any

from vpabot.policy.text import clean


def modal_values(view: dict[str, Any]) -> dict[str, Any]:
    """``{block_id: value}`` for text inputs, selects (option value) and checkboxes (list).

    Every string is cleaned of control characters (policy.text.clean) here, the one door
    through which form input comes in; a select's value can be forged as easily as a text.
    """
    out: dict[str, Any] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        for element in actions.values():
            kind = element.get("type")
            if kind in ("static_select", "external_select", "radio_buttons"):
                option = element.get("selected_option") or {}
                out[block_id] = _clean(option.get("value"))
            elif kind == "checkboxes":
                out[block_id] = [_clean(o["value"]) for o in element.get("selected_options") or []]
            elif kind == "datepicker":
                out[block_id] = _clean(element.get("selected_date"))
            else:
                value = element.get("value")
                out[block_id] = _clean(value)
    return out


def _clean(value: Any) -> Any:
    return clean(value).strip() if isinstance(value, str) else value
