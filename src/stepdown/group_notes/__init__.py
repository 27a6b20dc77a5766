"""Group notes: one note per session, filed as an individual note in each attendee's chart."""
