"""How every command ends: the exit codes of DESIGN.md, for cron.

A leaf: the command line needs them before it has imported any stage.
"""

from enum import IntEnum


class ExitCode(IntEnum):
    """What cron sees; docs/operations.md says what the administrator does for each."""

    OK = 0
    REJECTS = 1  # done, but rows or files were rejected
    USAGE = 2  # usage or configuration error, or no secret
    ABORTED = 3  # nothing committed (or, after the commit, the purge could not write)
    LOCKED = 4  # another run holds the lock
    INTERNAL = 5  # vsig met something it did not expect
    INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C
