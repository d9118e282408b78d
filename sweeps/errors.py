"""The kinds of failure and who handles each.

``SpecError``: the user's input is wrong; nothing ran, nothing was written (exit 2).
A trial that raises is Ray Tune's to retry and record as ``error``; the sweep goes on.
``SweepError``: the sweep itself cannot go on (exit 1), e.g. Ray is unreachable.
"""

from __future__ import annotations


class SweepsError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code = 1


class SpecError(SweepsError, ValueError):
    """A spec, a data file or a command-line argument is invalid; the message names the field."""

    exit_code = 2


class SweepError(SweepsError, RuntimeError):
    """The sweep cannot start or go on; the message says why and what to do."""



class SweepInterrupted(SweepError):
    """Ctrl-C or SIGTERM stopped the sweep; it is left resumable, unscored and not ``finished`` (exit 130)."""

    exit_code = 130
