"""Geography: the city's reference data, district lookup of points, coordinate systems."""
