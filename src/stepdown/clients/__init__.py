"""The people in treatment: demographics, contacts, who looks after them."""
