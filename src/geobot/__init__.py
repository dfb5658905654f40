"""geobot: answers questions about a curated set of geopolitics articles, with citations."""

__version__ = "0.2.0"
