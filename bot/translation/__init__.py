"""Machine translation of what people write: providers, protection of spans, cache and chain."""
