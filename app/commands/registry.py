"""Every `kace` subcommand, in the order `kace --help` lists them. A new command is a module in
app/commands/ added here (tests/cli/test_registry.py finds one that is not)."""

from __future__ import annotations

from app.commands import (  # noqa: I001 - `print` renamed: it is the builtin's name
    backup,
    bundle,
    check,
    conflicts,
    db_maintenance,
    demo,
    export,
    gui,
    household,
    import_,
    print as print_command,
    region,
    restore,
    run_server,
    server_admin,
    stats,
    sync,
    user,
    village_exit,
    villages,
)

COMMANDS = (gui, demo, stats, villages, db_maintenance, backup, bundle, check, conflicts, export, household,
            import_, print_command, region, restore, run_server, server_admin, sync, user, village_exit)
