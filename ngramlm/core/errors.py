"""Errors a user can act on.

Every error the toolkit raises on bad input is an NgramlmError; the command-line tools print its message and
exit with status 1 instead of showing a traceback. Messages say what happened, where (file and line), and what
to do about it.
"""


class NgramlmError(Exception):
    """Base class of the errors that are reported to the user as a one-line message."""


class InputError(NgramlmError):
    """Bad input at a known place: names the file and, where known, the line."""

    def __init__(self, path, line, message):
        self.path = path
        self.line = line
        self.reason = message
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {message}")


class OutputError(InputError):
    """An output that cannot be written (a folder, a read-only place, a full disk): names the file."""

    def __init__(self, path, message):
        super().__init__(path, None, message)


class ModelError(NgramlmError):
    """A model that cannot be estimated or used as asked (for example an order it does not have)."""
