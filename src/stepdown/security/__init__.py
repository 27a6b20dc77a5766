"""Identity: who is signed in, with which role, and what that role may do."""
