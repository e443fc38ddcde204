"""Which process owns an idempotency key in flight, and whether that process still lives.

An owner is ``host|boot|pid|start``: the machine's name, its boot id (Linux
``/proc/sys/kernel/random/boot_id``), the process id and the process's start time in
clock ticks since boot (``/proc/<pid>/stat``, field 22). A pid alone is not enough: after
a crash a new process may get the same pid; pid and start time together name one
process for the life of the machine, and the boot id says which life.

:func:`owner_state` answers for an owner on this machine: ``DEAD`` when its process is
gone (no such pid, or a pid now held by another process, or the machine rebooted since),
``ALIVE`` when it is still running. An owner on another machine, or where ``/proc`` is
missing, is ``UNKNOWN``: then only the age of the claim can tell (see
``idempotency.CLAIM_STALE_AFTER``). Hosts that share a database must have distinct names.
"""

from __future__ import annotations

import enum
import functools
import os
import socket
from pathlib import Path

from loanbook.errors import InvariantBroken

SEPARATOR = "|"
UNREADABLE = "?"


class OwnerState(enum.Enum):
    ALIVE = "alive"
    DEAD = "dead"
    UNKNOWN = "unknown"


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip() or UNREADABLE
    except OSError:
        return UNREADABLE


def start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot; None when there is no such
    process; ``?`` when this system has no ``/proc`` to tell."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None if Path("/proc/self/stat").exists() else UNREADABLE
    except OSError:
        return UNREADABLE
    # The command name (field 2) is in parentheses and may hold spaces or ")": split after the last ")".
    fields = stat.rsplit(")", 1)[1].split()
    return fields[19]  # field 22 of the whole line: starttime


def owner_of(pid: int) -> str | None:
    """The owner string of a running process of this machine (None: no such process)."""
    ticks = start_ticks(pid)
    if ticks is None:
        return None
    return SEPARATOR.join((socket.gethostname(), _boot_id(), str(pid), ticks))


@functools.cache
def _this_process(pid: int) -> str:
    owner = owner_of(pid)
    if owner is None:  # cannot happen: we are running
        raise InvariantBroken(f"process {pid} cannot see itself in /proc")
    return owner


def this_process() -> str:
    """This process's owner string (per pid, so a forked worker gets its own)."""
    return _this_process(os.getpid())


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, another user's
    return True


def owner_state(owner: str | None) -> OwnerState:
    if not owner:
        return OwnerState.UNKNOWN  # a claim made before owners were recorded
    parts = owner.split(SEPARATOR)
    if len(parts) != 4 or not parts[2].isdigit():
        return OwnerState.UNKNOWN
    host, boot, pid_text, ticks = parts
    if host != socket.gethostname():
        return OwnerState.UNKNOWN
    if boot != UNREADABLE and boot != _boot_id():
        return OwnerState.DEAD  # this machine restarted since: every process of then is gone
    pid = int(pid_text)
    if ticks == UNREADABLE or boot == UNREADABLE:
        return OwnerState.ALIVE if _pid_exists(pid) else OwnerState.DEAD
    now_ticks = start_ticks(pid)
    if now_ticks is None:
        return OwnerState.DEAD
    if now_ticks == UNREADABLE:
        return OwnerState.UNKNOWN
    return OwnerState.ALIVE if now_ticks == ticks else OwnerState.DEAD  # else: the pid was reused
