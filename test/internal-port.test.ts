import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { withOverrides } from '../configs/config.js';
import { startOms, type Oms } from '../cmd/oms.js';
import { createLogger } from '../core/platform/logger.js';
import { checked, createTenant } from './support/api.js';
import { getStack } from './support/stack.js';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('server.internal_port: the internal API on a port of its own', function () {
  this.timeout(60_000);
  let oms: Oms;
  let publicUrl: string;
  let internalUrl: string;

  before(async () => {
    const internalPort = await freePort();
    const config = withOverrides(getStack().config, { 'server.port': 0, 'server.internal_port': internalPort });
    oms = await startOms(config, 'server', { logger: createLogger(config) });
    publicUrl = `http://127.0.0.1:${oms.port}`;
    internalUrl = `http://127.0.0.1:${internalPort}`;
  });
  after(() => oms?.stop());

  const call = async (base: string, method: string, path: string, headers: Record<string, string> = {}) =>
    checked(method, path, await fetch(`${base}${path}`, { method, headers }));

  it('answers internal routes and /metrics only on the internal port, public routes only on the public port, health on both', async () => {
    const t = await createTenant();
    const token = { 'x-internal-token': getStack().config.server.internal_token };
    const internalPath = `/internal/api/v1/tenants/${t.tenantId}/settings`;
    const publicPath = `/api/v1/sellers/${t.sellerId}/orders`;

    assert.equal((await call(internalUrl, 'GET', internalPath, token)).status, 200);
    const hidden = await call(publicUrl, 'GET', internalPath, token);
    assert.equal(hidden.status, 404);
    assert.equal(hidden.body.error.code, 'not_found');

    assert.equal((await call(internalUrl, 'GET', '/metrics', token)).status, 200);
    assert.equal((await call(publicUrl, 'GET', '/metrics', token)).status, 404);

    assert.equal((await call(publicUrl, 'GET', publicPath, { authorization: `Bearer ${t.apiKey}` })).status, 200);
    assert.equal((await call(internalUrl, 'GET', publicPath, { authorization: `Bearer ${t.apiKey}` })).status, 404);

    for (const base of [publicUrl, internalUrl]) assert.equal((await call(base, 'GET', '/health/live')).status, 200);
  });
});
