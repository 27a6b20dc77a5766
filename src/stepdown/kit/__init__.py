"""Framework plumbing shared by every domain; imports no domain."""
