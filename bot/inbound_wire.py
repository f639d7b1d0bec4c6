"""Inbound messages as bytes, for the trip to the help desk's own process (bot/desk_process.py).

The core's messages are frozen dataclasses with slots, which pickle through a Python-level
``__getstate__`` per object: about 15 µs a message on these machines, paid in the adapters'
busy process. Here a pickler of our own reduces each of them to its class and its fields'
values in order (about 4 µs); unpickling calls the class again, in the help desk's process.
"""

from __future__ import annotations

import io
import operator
import pickle
from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import Any

from handlers.messages import Attachment, ChatEvent, ChatRef, Inbound, UserRef

Reducer = Callable[[Any], tuple[type, tuple[Any, ...]]]


def _reducer(cls: type) -> Reducer:
    names = [field.name for field in fields(cls)]
    values = operator.attrgetter(*names)
    if len(names) == 1:
        return lambda obj: (cls, (values(obj),))
    return lambda obj: (cls, values(obj))


# The dataclasses an inbound message is made of.
_REDUCERS: dict[type, Reducer] = {cls: _reducer(cls) for cls in
                                  (Inbound, UserRef, ChatRef, Attachment, ChatEvent)}


def pack(inbounds: Sequence[Inbound]) -> bytes:
    """A group of inbound messages as bytes (see above)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _REDUCERS
    pickler.dump(list(inbounds))
    return buffer.getvalue()


def unpack(packed: bytes) -> list[Inbound]:
    """The group of inbound messages :func:`pack` made these bytes of."""
    inbounds = pickle.loads(packed)
    if not isinstance(inbounds, list) or not all(isinstance(i, Inbound) for i in inbounds):
        raise TypeError("not a group of inbound messages")
    return inbounds
