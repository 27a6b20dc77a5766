"""Alumni events and peer mentorship between alumni volunteers and clients stepping down."""
