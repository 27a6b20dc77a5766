"""A FHIR R4 read and search API over the client record, under ``/fhir``.

Every answer leaves through the disclosure gate (``disclosures.gate.screen``): staff and
the client reading their own record see what their role and scopes allow, an outside
system sees only the classes of information a written consent lets go to it (42 CFR
2.31), and whatever is sent carries the Part 2 security labels (``meta.security``).

How an answer says what it did not send, and carries the redisclosure notice:

- A Bundle (a search, ``Patient/{id}/$everything``) lists only the resources that may go.
  When a class of information was withheld it ends with one OperationOutcome entry
  (``search.mode = "outcome"``) holding one ``information`` issue with code
  ``suppressed`` per class withheld: ``details`` codes the class (``information-class``
  code system under the server's base), ``diagnostics`` gives the reason.
- A read of one resource of a withheld class answers 403 with an OperationOutcome whose
  ``suppressed`` issue names the reason.
- What goes to an outside recipient carries the 42 CFR 2.32 notice and the scope of the
  consent it went under as two ``meta.extension`` entries of the returned resource (the
  Bundle itself for a Bundle): ``{base}/fhir/StructureDefinition/part2-notice`` and
  ``{base}/fhir/StructureDefinition/part2-consent-scope``, each a ``valueString``.

Modules: ``resources/`` builds each resource from our rows (pure functions);
``kinds`` maps each kind of resource to its class of information and to the staff policy
that already guards it; ``scopes`` reads SMART scopes; ``models`` and ``oauth`` are the
system clients and their client-credentials tokens; ``access`` resolves the caller;
``repository`` loads rows; ``service`` answers reads, searches and ``$everything``;
``capability`` is the CapabilityStatement; ``api`` is the router.
"""
