"""Python's garbage collector set for a long-running server, once start-up is over.

Start-up leaves hundreds of thousands of objects that live as long as the process (modules,
SQLAlchemy's and bolt's machinery, the catalogue, the schema). The cyclic collector's full
passes walked all of them again and again: under load about a tenth of the CPU went there
(py-spy, Slack events benchmark). Frozen, they are never scanned again; and young objects are
collected in larger steps, since handling one message allocates a few hundred that mostly
die without cycles (reference counting frees them at once, collector or not).
"""

from __future__ import annotations

import gc

# Young objects allocated (net) before the collector looks at them; Python's default is 700.
YOUNG_THRESHOLD = 20_000


def settle_after_start() -> None:
    """Freeze what start-up built and collect young objects in larger steps (see above)."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
