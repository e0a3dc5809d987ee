import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { buildContainer } from '../cmd/container.js';
import { getStack } from './support/stack.js';

/** `oms` as an operator runs it: bad configuration and unreachable stores give a clear message, not a stack trace. */
function runOms(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'cmd/main.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('startup: clear failures', () => {
  it('refuses an unknown mode with usage', () => {
    const res = runOms(['fly'], {});
    assert.equal(res.status, 2);
    assert.match(res.stderr, /usage: oms/);
  });

  it('names the bad configuration key and exits 1', () => {
    const res = runOms(['server'], { PORT: 'eighty' });
    assert.equal(res.status, 1);
    assert.match(res.stderr, /invalid configuration:\s+PORT: expected a number, got "eighty"/);
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
  });

  it('names the unreachable store and exits 1', async () => {
    const port = await closedPort();
    const res = runOms(['server'], { MONGODB_URI: `mongodb://127.0.0.1:${port}/`, OMS_MONGODB__SERVER_SELECTION_TIMEOUT_MS: '500' });
    assert.equal(res.status, 1);
    assert.match(res.stderr, new RegExp(`cannot start: MongoDB at mongodb://127.0.0.1:${port}/ is unavailable`));
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
  });

  it('starts again on a database it already set up: its indexes exist and are left as they are', async () => {
    const platform = getStack().oms.container.platform;
    const before = await platform.mongo.db.collection('sellers').listIndexes().toArray();
    await buildContainer(platform);
    assert.deepEqual(await platform.mongo.db.collection('sellers').listIndexes().toArray(), before);
  });
});
