"""Documents on a client's chart: scanned or photographed papers (ID, insurance card,
outside records, signed forms, lab reports, court papers), checked by content, kept
outside the database, and never deleted (a mistake is marked entered in error)."""
