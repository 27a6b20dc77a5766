"""Background jobs: declare them in a domain's ``tasks.py``, run them with ``stepdown worker``.

``registry`` declares jobs (``@task``, ``@periodic``), ``service`` enqueues them in the
caller's transaction and schedules periodic slots, ``runner`` claims and runs them.
"""
