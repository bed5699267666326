"""Dashboard panel."""
