#!/usr/bin/env node
// Validates FHIR R4 resources offline with the `fhir` package (FHIR.js, R4 definitions it
// ships), so the tests can check what stepdown's FHIR API serves without a network.
//
// Input on stdin: one resource (a Bundle's entries are validated with it) or a JSON array
// of resources. Output on stdout, one JSON document:
//   {"valid": true|false, "results": [{"resourceType", "id", "valid", "messages": [...]}]}
// where each message is {"severity", "location", "message"} as FHIR.js reports it.
// Properties the specification does not define are errors (errorOnUnexpected), not
// warnings: a misspelt element must not pass unnoticed. Exit status: 0 when every
// resource is valid, 1 when one is not, 2 when the input is not JSON.
"use strict";

const { Fhir } = require("fhir");

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function validateAll(resources) {
  const fhir = new Fhir();
  return resources.map((resource) => {
    const outcome = fhir.validate(resource, { errorOnUnexpected: true });
    return {
      resourceType: resource && resource.resourceType,
      id: resource && resource.id,
      valid: outcome.valid,
      messages: outcome.messages.map((m) => ({
        severity: m.severity,
        location: m.location,
        message: m.message,
      })),
    };
  });
}

async function main() {
  let input;
  try {
    input = JSON.parse(await readStdin());
  } catch (error) {
    process.stdout.write(JSON.stringify({ valid: false, error: String(error) }) + "\n");
    process.exit(2);
  }
  const resources = Array.isArray(input) ? input : [input];
  const results = validateAll(resources);
  const valid = results.every((r) => r.valid);
  process.stdout.write(JSON.stringify({ valid, results }, null, 2) + "\n");
  process.exit(valid ? 0 : 1);
}

main();
