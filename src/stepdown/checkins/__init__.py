"""Daily check-ins by clients: craving, mood, sleep, risky situations, use."""
