import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BaseResolver, lintDocument, loadConfig, Source } from '@redocly/openapi-core';
import { parse } from 'yaml';
import { fetchServedDocuments } from './support/contract.js';

const CONFIG_FILE = 'redocly.yaml';

/** The rules redocly.yaml sets to `warn`: each one a decision written down there, the only warnings allowed. */
function decidedWarnings(): Set<string> {
  const rules = (parse(readFileSync(CONFIG_FILE, 'utf8')) as { rules?: Record<string, unknown> }).rules ?? {};
  return new Set(Object.entries(rules).filter(([, v]) => v === 'warn' || (v as { severity?: string })?.severity === 'warn').map(([k]) => k));
}

describe('the API contract: OpenAPI documents the app serves', () => {
  for (const audience of ['public', 'internal'] as const) {
    it(`the ${audience} document passes Redocly's recommended rules (redocly.yaml): no error, only decided warnings`, async () => {
      const document = (await fetchServedDocuments())[audience];
      const config = await loadConfig({ configPath: CONFIG_FILE });
      const problems = await lintDocument({
        document: { source: new Source(`${audience}.json`, JSON.stringify(document, null, 2)), parsed: document },
        config,
        externalRefResolver: new BaseResolver(),
      });
      const show = (p: (typeof problems)[number]) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`;
      assert.deepEqual(problems.filter((p) => p.severity === 'error').map(show), []);
      const allowed = decidedWarnings();
      assert.deepEqual(problems.filter((p) => p.severity === 'warn' && !allowed.has(p.ruleId)).map(show), []);
    });
  }

  it('describes every operation fully: unique operationId, summary, one tag, security, a JSON success schema, errors as the one Error schema', async () => {
    const docs = await fetchServedDocuments();
    const ids = new Set<string>();
    let operations = 0;
    for (const [audience, doc] of Object.entries(docs) as [string, any][]) {
      for (const [path, item] of Object.entries<any>(doc.paths)) {
        for (const [method, op] of Object.entries<any>(item)) {
          const where = `${audience} ${method.toUpperCase()} ${path}`;
          operations += 1;
          assert.ok(op.operationId && !ids.has(op.operationId), `${where}: operationId ${op.operationId} missing or not unique`);
          ids.add(op.operationId);
          assert.ok(op.summary, `${where}: summary`);
          assert.equal(op.tags?.length, 1, `${where}: one tag`);
          assert.ok(Array.isArray(op.security), `${where}: security requirement`);
          const statuses = Object.keys(op.responses);
          const success = statuses.filter((s) => s.startsWith('2'));
          assert.ok(success.length > 0, `${where}: a success answer`);
          for (const s of success) assert.ok(op.responses[s].content?.['application/json']?.schema, `${where} ${s}: JSON schema`);
          for (const s of statuses.filter((x) => Number(x) >= 400 && !(path === '/health/ready' && x === '503'))) {
            assert.equal(op.responses[s].content?.['application/json']?.schema?.$ref, '#/components/schemas/Error', `${where} ${s}: the Error schema`);
          }
          if (path.startsWith('/internal/api/v1/sellers/')) assert.match(op.operationId, /^internal[A-Z]/, `${where}: internal copy of a seller route`);
        }
      }
    }
    assert.ok(operations > 70, `only ${operations} operations`);
    // The seller routes are the same under both prefixes, told apart by the operation id only.
    assert.ok(ids.has('createOrder') && ids.has('internalCreateOrder'));
  });

  it('documents the courier webhook with its signature header, and the public API with examples a seller can send', async () => {
    const { public: doc } = (await fetchServedDocuments()) as any;
    const webhook = doc.paths['/v1/shipments/{id}/status'].post;
    assert.equal(webhook.operationId, 'reportCourierStatus');
    assert.deepEqual(
      webhook.parameters.filter((p: any) => p.in === 'header').map((p: any) => [p.name, p.required]),
      [['webhook-id', true], ['webhook-timestamp', true], ['webhook-signature', true]],
    );
    assert.ok(webhook.responses['401']);
    for (const [path, method] of [
      ['/api/v1/sellers/{seller_id}/orders', 'post'],
      ['/api/v1/sellers/{seller_id}/inventory', 'put'],
      ['/api/v1/sellers/{seller_id}/stock-transfers', 'post'],
      ['/api/v1/sellers/{seller_id}/shipments', 'post'],
      ['/api/v1/sellers/{seller_id}/orders/bulk', 'post'],
    ] as const) {
      assert.ok(doc.paths[path][method].requestBody.content['application/json'].example, `${method} ${path}: example`);
    }
    assert.ok(doc.info.license?.name && doc.info.contact?.name);
    assert.equal(doc.paths['/internal/api/v1/tenants'], undefined);
  });
});
