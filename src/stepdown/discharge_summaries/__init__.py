"""Discharge summaries: one per discharge and per referral out, signed and printable."""
