"""dpoclin: align clinical LLMs with physician preference data."""

__version__ = "0.1.0"
