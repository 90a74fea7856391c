"""CityOps core: settings, database, geography, KPIs, alerts, access stores and policy, read-side queries; the web
app is in :mod:`dashboard.web`, the entry points are ``cli``, ``demo`` and ``checks``."""
