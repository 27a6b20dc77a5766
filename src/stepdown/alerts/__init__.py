"""Clinical alerts that stay in front of staff until a clinician acknowledges them."""
