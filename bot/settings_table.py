"""One table of ``config.toml`` read with types, and the one-line error for a wrong value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message is one line for the operator."""


class Section:
    """Typed access to one table of the file, with errors that name the key."""

    def __init__(self, name: str, table: Mapping[str, Any], known: set[str]) -> None:
        self.name = name
        self.table = table
        unknown = sorted(set(table) - known)
        if unknown:
            raise ConfigError(f"[{name}] {unknown[0]}: unknown key; expected one of "
                              f"{', '.join(sorted(known))}")

    def get(self, key: str, kind: type[T], default: T) -> T:
        """A value of one type, or the default when the key is absent."""
        value = self.table.get(key, default)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"[{self.name}] {key} = {value!r}: expected {kind.__name__}")
        return value

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """A list of strings, or the default when the key is absent."""
        value = self.table.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"[{self.name}] {key} = {value!r}: expected a list of strings")
        return tuple(value)

    def fail(self, key: str, value: object, expected: str) -> ConfigError:
        """The one-line error for a wrong value."""
        return ConfigError(f"[{self.name}] {key} = {value!r}: expected {expected}")


def section(data: Mapping[str, Any], name: str, known: set[str]) -> Section:
    """One table of the file (empty when absent); its name may be dotted (``translation.x``)."""
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"[{name}] = {table!r}: expected a table")
    return Section(name, table, known)


