// `npm run client:generate`: regenerates clients/ts/schema.d.ts from the public OpenAPI document
// the app serves. Brings the OMS up on the local stack as the tests do (so no running server is
// needed), fetches /openapi.json, writes the types, and stops.
import { writeFileSync } from 'node:fs';
import { getStack, mochaGlobalSetup, mochaGlobalTeardown } from '../test/support/stack.js';
import { CLIENT_SCHEMA_FILE, clientSchemaSource } from './client-schema.js';

process.chdir(new URL('..', import.meta.url).pathname);
await mochaGlobalSetup();
try {
  const res = await fetch(`${getStack().baseUrl}/openapi.json`);
  if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
  writeFileSync(CLIENT_SCHEMA_FILE, await clientSchemaSource(await res.json()));
  console.log(`wrote ${CLIENT_SCHEMA_FILE}`);
} finally {
  await mochaGlobalTeardown();
}
// Like mocha's `exit: true`: a client library's idle timer must not keep a one-shot script alive.
process.exit(0);
