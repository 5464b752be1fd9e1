"""The `kace` subcommands, one module each, listed in app/commands/registry.py.

A command module defines `NAME` (the CLI word), `HELP` (Chinese one-liner), `add_arguments(parser)`
and `run(args) -> int`. What they share lives in common.py (exit codes, UsageError, the --db and
--db-url options, JSON output) and databases.py (opening the laptop's or the county's database
safely). A command raises UsageError for bad arguments (exit 2); DatabaseRefused (exit 3),
DomainError (exit 2) and FileBusy (exit 6) are turned into Chinese messages by app.cli.main.
"""
