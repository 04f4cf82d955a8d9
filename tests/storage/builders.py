"""Rows the storage tests need, with every required column filled and nothing else."""

from __future__ import annotations

from datetime import date, datetime, timezone

from vpabot.storage.models import Assistant, SalesStop

AT = datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc)


def assistant(handle: str, name: str | None = None, **columns: object) -> Assistant:
    values: dict[str, object] = dict(
        handle=handle, name=name or handle.title(), created_at=AT, created_by="UADMIN1"
    )
    values.update(columns)
    return Assistant(**values)


def stop(owner: Assistant, *, lifted_at: datetime | None = None) -> SalesStop:
    return SalesStop(
        assistant=owner,
        kind="voll",
        reason="verstoss",
        starts_on=date(2026, 11, 26),
        set_by="UADMIN1",
        set_at=AT,
        lifted_at=lifted_at,
        lifted_by="UADMIN1" if lifted_at else None,
    )
