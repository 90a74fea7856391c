"""The write side: collectors that pull the city's feeds into the database (DESIGN §5)."""
