"""Sites, rooms and (later) tracks, groups and the weekly schedule."""
