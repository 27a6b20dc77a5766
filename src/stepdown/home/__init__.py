"""Each role's home page: what that person needs first when they sign in."""
