"""Insurance: payers, coverages, eligibility."""
