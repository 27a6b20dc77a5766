"""A clearly synthetic demo program, so every screen has something real to show."""
