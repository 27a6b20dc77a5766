"""Charges, claims and remittances: turning delivered, documented, authorized care into payment."""
