"""Standardized screening and monitoring instruments, scored exactly as their sources say."""
