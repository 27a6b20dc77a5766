"""Stepdown: runs an outpatient addiction-treatment program across its continuum of care."""

__version__ = "0.1.0"
