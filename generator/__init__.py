"""briefgen: intelligence briefs in YAML, validated and published as a static site."""

__version__ = "0.1.0"
