"""Outcomes: the program's results, measured, charted and exported."""
