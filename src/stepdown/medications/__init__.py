"""A client's prescribed medications, and which drug-test analytes each one explains."""
