"""A city as configuration: its manifest of reference data, imported, validated, repaired and checked."""
