"""The web app: the Dash app factory, wsgi, the JSON API, health probes, the access gate and its views."""
