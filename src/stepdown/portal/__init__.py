"""The client portal: a phone-sized view of one client's own schedule, goals and check-ins."""
