"""Entry point of the frozen program (packaging/kace.spec): the same as the `kace` console script."""

import multiprocessing
import sys

if __name__ == "__main__":
    # app/demo/make.py generates in a "spawn" child process: in a frozen program the child is this executable again,
    # and freeze_support() turns it into the worker instead of a second `kace`.
    multiprocessing.freeze_support()

    from app.cli import main

    sys.exit(main())
