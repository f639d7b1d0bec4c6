"""Python's garbage collector and the C allocator set for a long-running server, once start-up
is over.

Start-up leaves hundreds of thousands of objects that live as long as the process (modules,
SQLAlchemy's and bolt's machinery, the catalogue, the schema). The cyclic collector's full
passes walked all of them again and again: under load about a tenth of the CPU went there
(py-spy, Slack events benchmark). Frozen, they are never scanned again; and young objects are
collected in larger steps, since handling one message allocates a few hundred that mostly
die without cycles (reference counting frees them at once, collector or not).

glibc's malloc serves a block of 128 KiB or more with a mapping of its own, returned to the
system when freed; but each time such a block is freed it raises that threshold to the block's
size (up to 32 MiB), and from then on blocks that large come from the heap. A broadcast's
moments of large lists, queries and texts then left the heap a little bigger each time, with
holes between what lived on (the soak: 2 MB per hour played, with nothing more in use). Fixing
the threshold keeps such blocks in mappings of their own.
"""

from __future__ import annotations

import ctypes
import gc

# Young objects allocated (net) before the collector looks at them; Python's default is 700.
YOUNG_THRESHOLD = 20_000
# glibc: blocks from this size up get a mapping of their own (glibc's starting value, fixed).
MMAP_THRESHOLD = 128 * 1024
M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)


def settle_after_start() -> None:
    """Freeze what start-up built and collect young objects in larger steps (see above)."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
    keep_large_blocks_off_the_heap()


def keep_large_blocks_off_the_heap(threshold: int = MMAP_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold (see above); False where the C library has no ``mallopt``
    or refuses it (musl, macOS: nothing to do there)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, threshold))
