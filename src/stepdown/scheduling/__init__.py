"""Weekly group and appointment scheduling: exchange format, optimizer and independent checker."""
