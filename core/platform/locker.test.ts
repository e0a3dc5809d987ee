import assert from 'node:assert/strict';
import { getStack } from '../../test/support/stack.js';
import { isAppError } from '../domain/errors.js';

describe('platform: order locks', () => {
  const locker = () => getStack().oms.container.platform.locker;
  const resource = () => `locker-test:${Date.now()}:${Math.random()}`;
  const busy = (err: unknown) => isAppError(err) && err.code === 'order_in_progress' && err.retryable;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('a second caller is busy at once by default, and gets the lock once it is free', async () => {
    const key = resource();
    let release!: () => void;
    const held = locker().withLock(key, () => new Promise<void>((r) => (release = r)));
    await sleep(50);
    await assert.rejects(locker().withLock(key, async () => 'never'), busy);
    release();
    await held;
    assert.equal(await locker().withLock(key, async () => 'mine'), 'mine');
  });

  it('with waitMs a caller queues until the holder is done, and busy after waiting that long', async () => {
    const key = resource();
    const order: string[] = [];
    const first = locker().withLock(key, async () => {
      await sleep(400);
      order.push('first');
    });
    await sleep(50);
    await locker().withLock(key, async () => void order.push('second'), { waitMs: 3000 });
    await first;
    assert.deepEqual(order, ['first', 'second']);
    const long = locker().withLock(key, () => sleep(1500));
    await sleep(50);
    const started = Date.now();
    await assert.rejects(locker().withLock(key, async () => 'never', { waitMs: 300 }), busy);
    assert.ok(Date.now() - started < 1400, 'gave up after about waitMs');
    await long;
  });

  it('waiting retries only the acquiring, never the work: a busy error from inside is the caller’s', async () => {
    const key = resource();
    let runs = 0;
    await assert.rejects(
      locker().withLock(
        key,
        async () => {
          runs += 1;
          await locker().withLock(key, async () => undefined); // the same lock, held by ourselves: busy
        },
        { waitMs: 1000 },
      ),
      busy,
    );
    assert.equal(runs, 1);
  });
});
