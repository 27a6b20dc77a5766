"""Attendance at sessions and appointments, and hours delivered against the level's minimum."""
