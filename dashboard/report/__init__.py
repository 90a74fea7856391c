"""The leaders' briefing: the daily and weekly city operations report (城市运行日报/周报) — its figures, its
sentences, its HTML and PDF, where it is kept and how it is delivered."""
