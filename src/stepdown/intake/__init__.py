"""The biopsychosocial intake assessment at admission."""
