"""The staff and client web UI shell: layout, navigation, flash messages, error pages."""
