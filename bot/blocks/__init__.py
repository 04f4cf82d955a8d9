"""Block Kit builders: small ``build_*`` functions, never inline dicts in handlers."""
