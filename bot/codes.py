"""Join codes: short, unambiguous to read aloud or type on a phone."""

from __future__ import annotations

import random
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class RandomJoinCodes:
    """Six characters from an alphabet without look-alikes; cryptographically random by default.

    The console passes a seeded generator so that transcripts are reproducible.
    """

    def __init__(self, rng: random.Random | None = None, length: int = 6) -> None:
        self._rng = rng
        self._length = length

    def new_code(self) -> str:
        """A fresh code."""
        if self._rng is None:
            return "".join(secrets.choice(ALPHABET) for _ in range(self._length))
        return "".join(self._rng.choice(ALPHABET) for _ in range(self._length))
