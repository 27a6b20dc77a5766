"""The admissions pipeline: inquiries from first call to admission, referral or closure."""
