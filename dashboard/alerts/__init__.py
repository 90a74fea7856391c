"""Alerts: declarative rules over KPIs and raw feeds, opened and closed with hysteresis, acknowledged."""
