"""Diagnoses per episode of care: ICD-10-CM codes with DSM-5-TR specifiers."""
