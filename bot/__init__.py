"""The runtime: configuration, the composition root, adapters, the dispatcher and the CLI."""
