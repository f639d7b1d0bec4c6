"""The events' tables (part of the one schema in ``storage.models``)."""

from __future__ import annotations
