"""Benchmarks of CityOps against baselines measured in the same run (``make bench``)."""
