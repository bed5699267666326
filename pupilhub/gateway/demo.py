"""Demo gateway data."""
