"""Domain exceptions. The CLI turns them into one-line messages and exit codes."""


class CorpuskitError(Exception):
    """Base class; the message is one sentence meant for a person."""

    exit_code = 1


class DataError(CorpuskitError):
    """An input document or file cannot be used (bad bytes, bad JSON, binary, empty)."""

    exit_code = 1


class UsageError(CorpuskitError):
    """The command, its options or a configuration file is wrong."""

    exit_code = 2
