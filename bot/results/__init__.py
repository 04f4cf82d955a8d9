"""What use cases return and what they tell people, as plain frozen dataclasses.

This package sits below both ``services`` (which builds these values) and ``blocks`` (which
renders them), so neither imports the other: it imports only the standard library and
``vpabot.policy``.
"""
