"""Use cases: open a unit of work, ask policy, persist result, audit and outbox, commit."""
