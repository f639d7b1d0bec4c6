"""The collector and allocator settings `peerdesk run` applies once started (checked in a
process of its own: they are process-wide)."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_start_up_objects_are_frozen_and_young_ones_collected_in_larger_steps() -> None:
    script = ("import gc; from bot.collector import settle_after_start, YOUNG_THRESHOLD; "
              "before = gc.get_threshold(); settle_after_start(); "
              "print(gc.get_freeze_count() > 1000, gc.get_threshold()[0] == YOUNG_THRESHOLD, "
              "gc.get_threshold()[1:] == before[1:], gc.isenabled())")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.split() == ["True", "True", "True", "True"]


# After a freed 4 MiB block (mapped, then freed: glibc would raise its threshold to 4 MiB), is a
# 512 KiB block still given a mapping of its own? mallinfo2's hblkhd counts mapped bytes.
LARGE_BLOCK = """
import ctypes
from bot.collector import settle_after_start

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
if {settle}:
    settle_after_start()
freed = bytearray(4 << 20)
del freed
before = libc.mallinfo2().hblkhd
kept = bytearray(512 << 10)
print(libc.mallinfo2().hblkhd - before >= 512 << 10)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_large_blocks_keep_mappings_of_their_own_after_a_larger_one_is_freed() -> None:
    def mapped(settle: bool) -> str:
        return subprocess.run([sys.executable, "-c", LARGE_BLOCK.format(settle=settle)],
                              cwd=ROOT, capture_output=True, text=True, timeout=60,
                              check=True).stdout.strip()

    assert mapped(settle=False) == "False"  # glibc's own way: from the heap
    assert mapped(settle=True) == "True"
