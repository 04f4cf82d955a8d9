"""The ``/vpa`` command: grammar (pure) and what each subcommand does."""
