"""The one exception type a user sees for bad input (config, store, command line)."""


class InputError(ValueError):
    """Bad input detected before any work starts.

    The message names the offending key, option or file and what was expected;
    the command line prints it as ``rsmine <command>: <message>`` and exits 2.
    """
