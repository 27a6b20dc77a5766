"""The published weekly calendar: session occurrences, seats, appointments and feeds."""
