"""A worker's memory: one malloc arena, not one per thread (ADR 0117).

glibc gives each thread that allocates its own arena (up to eight per core), and memory freed
in one is not reused by another. A worker's threads are the request thread and a few that
sleep most of the time (the counters' hand-over, see core.counters), and Python holds the GIL
while it allocates, so more arenas buy no speed: measured on the bench data, a worker that had
served every page type held 102.5 MiB with glibc's default and 87.7 MiB with one arena.

Called as the worker loads the application, before it starts a thread. An operator's own
MALLOC_ARENA_MAX (read by glibc itself at start) wins; WORKER_MALLOC_ARENAS=0 leaves glibc's
default."""

import ctypes
import ctypes.util
import logging
import os

logger = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc's <malloc.h>


def limit_malloc_arenas(arenas=None) -> bool:
    """Cap this process's malloc arenas; True when the cap was set. A no-op (False) where the C
    library is not glibc, where the operator set MALLOC_ARENA_MAX, or with a cap of 0."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    if arenas is None:
        arenas = int(os.environ.get("WORKER_MALLOC_ARENAS", "1"))
    if arenas <= 0:
        return False
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):  # not glibc (musl, macOS): nothing to cap
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    if mallopt(M_ARENA_MAX, arenas) != 1:
        logger.warning("mallopt(M_ARENA_MAX, %d) was refused", arenas)
        return False
    return True
