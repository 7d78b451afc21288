"""The ``dawr`` command: its entry point and the server, admin and demo commands."""
