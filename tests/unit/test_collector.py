"""The collector settings `peerdesk run` applies once started (checked in a process of its
own: they are process-wide)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_start_up_objects_are_frozen_and_young_ones_collected_in_larger_steps() -> None:
    script = ("import gc; from bot.collector import settle_after_start, YOUNG_THRESHOLD; "
              "before = gc.get_threshold(); settle_after_start(); "
              "print(gc.get_freeze_count() > 1000, gc.get_threshold()[0] == YOUNG_THRESHOLD, "
              "gc.get_threshold()[1:] == before[1:], gc.isenabled())")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.split() == ["True", "True", "True", "True"]
