"""One writer per results folder: ``<folder>/.lock`` names the process that holds it.

A lock from this host whose process is gone is taken over; another host's cannot be checked
from here, so it is left for a person to delete.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from sweeps.errors import SweepError
from sweeps.results import constants as c
from sweeps.results.storage import Folder


@contextlib.contextmanager
def locked(folder: Folder) -> Iterator[None]:
    """Hold ``<folder>/.lock`` while this run or resume writes; a dead process's lock on this host is taken over."""
    mine = json.dumps({"host": socket.gethostname(), "pid": os.getpid()})
    if not folder.create_new(c.LOCK_FILE, mine):
        holder = _holder(folder)
        if not _is_stale(holder):
            raise SweepError(f"{folder.uri} is in use by another sweep (pid {holder.get('pid')} on "
                             f"{holder.get('host')}); wait for it, or delete {c.LOCK_FILE} there if it is gone")
        print(f"taking over a stale lock on {folder.uri} (pid {holder.get('pid')} is no longer running)",
              file=sys.stderr)
        folder.write_text(c.LOCK_FILE, mine)
    try:
        yield
    finally:
        if folder.read_text(c.LOCK_FILE) == mine:
            folder.remove_file(c.LOCK_FILE)


def _holder(folder: Folder) -> dict[str, Any]:
    try:
        holder = json.loads(folder.read_text(c.LOCK_FILE) or "{}")
    except ValueError:
        return {}
    return holder if isinstance(holder, dict) else {}


def _is_stale(holder: Mapping[str, Any]) -> bool:
    """Only a lock from this host whose process is gone is stale; another host's cannot be checked from here."""
    pid = holder.get("pid")
    if holder.get("host") != socket.gethostname() or not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
