"""Starting a real program: ``stepdown init``, the administrator's set-up checklist, the
program's details and its sites."""
