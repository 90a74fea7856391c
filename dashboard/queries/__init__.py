"""The read side: every SQL query of the web app, returning DataFrames or small dataclasses (cached)."""
