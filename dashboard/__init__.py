"""CityOps core: settings, database, geography, KPIs, read-side queries and the web app factory."""
