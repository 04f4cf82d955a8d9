"""Reading a submitted modal's state into plain values."""

from __future__ import annotations

from typing import Any

from vpabot.policy.text import nfc


def modal_values(view: dict[str, Any]) -> dict[str, Any]:
    """``{block_id: value}`` for text inputs, selects (option value) and checkboxes (list)."""
    out: dict[str, Any] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        for element in actions.values():
            kind = element.get("type")
            if kind in ("static_select", "external_select", "radio_buttons"):
                option = element.get("selected_option") or {}
                out[block_id] = option.get("value")
            elif kind == "checkboxes":
                out[block_id] = [o["value"] for o in element.get("selected_options") or []]
            elif kind == "datepicker":
                out[block_id] = element.get("selected_date")
            else:
                value = element.get("value")
                # Typed text is stored composed (policy.text): "Mu\u0308ller" is "Müller".
                out[block_id] = nfc(value).strip() if isinstance(value, str) else value
    return out
