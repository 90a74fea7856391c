"""Per-page view models: what a page shows, read from the read side and shaped for its figures and controls."""
