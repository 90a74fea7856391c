"""Reusable pieces of pages: navbar, KPI cards, banners, the page frame and the callback guard."""
