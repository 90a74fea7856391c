"""Database layer: models, engine, upserts and migrations."""
