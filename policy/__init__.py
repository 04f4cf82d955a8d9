"""Pure domain rules: dataclasses in, decisions out. Imports only the standard library."""
