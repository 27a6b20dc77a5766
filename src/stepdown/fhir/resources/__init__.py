"""Builders of FHIR R4 resources from our rows: pure functions, no queries, no I/O.

Each takes the rows it maps (loaded by ``fhir.repository``) and the server's
``Namespace``, and maps only what the rows hold: where FHIR wants a fact we do not record
(a coded administrative gender, a practitioner resource), the element is left out rather
than guessed. Every resource carries the Part 2 security labels (``common.meta``).
"""
