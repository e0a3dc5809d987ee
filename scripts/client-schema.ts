import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

/** Where the committed, generated types of the seller client live. */
export const CLIENT_SCHEMA_FILE = 'clients/ts/schema.d.ts';

/**
 * The TypeScript types of a served OpenAPI document, as clients/ts/schema.d.ts holds them. One
 * function for `npm run client:generate` and for the test that fails when the committed file is
 * stale, so both produce byte-identical text.
 */
export async function clientSchemaSource(document: unknown): Promise<string> {
  const ast = await openapiTS(document as Parameters<typeof openapiTS>[0], { alphabetize: false, silent: true });
  return `${COMMENT_HEADER}// Generated from the public OpenAPI document (/openapi.json) by \`npm run client:generate\`.\n\n${astToString(ast)}`;
}
