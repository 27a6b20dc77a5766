"""Level-of-care placement: which level and track fits a client, and why."""
