import assert from 'node:assert/strict';
import { pino } from 'pino';
import { periodicTask } from './periodic-task.js';

describe('platform: periodic tasks', () => {
  it('runOnce runs a pass that starts after the call, so it sees a change made while another pass ran', async () => {
    let setting = 'old';
    const seen: string[] = [];
    let unblock: () => void = () => undefined;
    const task = periodicTask(
      'test',
      60_000,
      async () => {
        const read = setting; // a pass reads the state when it starts…
        if (seen.length === 0) await new Promise<void>((r) => (unblock = r)); // …and the first one is slow
        seen.push(read);
      },
      pino({ level: 'silent' }),
    );
    const first = task.runOnce();
    setting = 'new';
    const second = task.runOnce();
    unblock();
    await Promise.all([first, second]);
    assert.deepEqual(seen, ['old', 'new']);
  });
});
