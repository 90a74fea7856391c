"""KPI math: pure functions over plain values and DataFrames (no database, no Dash)."""
