import assert from 'node:assert/strict';
import { EffectLedger } from '../core/effects/effect.ledger.js';
import { watchCalls } from '../core/platform/aws.js';
import { TABLES } from '../localstack/resources.js';
import { createTenant, eventually, http, internalHeaders } from './support/api.js';
import { getStack } from './support/stack.js';
import { orderBody, sendToQueue, settled, uid } from './orders-support.js';

/** Side effects of events (ADR 0008): claimed with a lease, recorded, retried with backoff, parked, replayed. */
function pushes(sellerId: string, eventId: string) {
  return getStack()
    .pusher.eventsFor(`private-seller-${sellerId}`)
    .filter((e) => (e.data as { event_id?: string } | null)?.event_id === eventId);
}

async function effects(tenantId: string, query = ''): Promise<any[]> {
  const res = await http('GET', `/internal/api/v1/tenants/${tenantId}/effects${query}`, { headers: internalHeaders() });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

async function queueDrained(): Promise<boolean> {
  const q = getStack().oms.container.platform.queues;
  const { visible, inFlight } = await q.depth(q.name('orderUpdates'));
  return visible === 0 && inFlight === 0;
}

/** A shipped-order event of the tenant's first order, made up so the test controls its id. */
async function shippedEvent(): Promise<{ t: Awaited<ReturnType<typeof createTenant>>; event: Record<string, unknown> }> {
  const t = await createTenant();
  const id = (await t.seller('POST', '/orders', orderBody({ customer: { name: 'Effect Test', email: 'fx@example.com' } }))).body.data.id;
  await settled(t.tenantId, id);
  // The order's own events are pushed first, so an outage the test stages hits only its event.
  await eventually('the order events handled', queueDrained);
  const event = {
    event_id: `evt-${uid()}`,
    event: 'order.status_changed.v1',
    occurred_at: new Date().toISOString(),
    tenant_id: t.tenantId,
    seller_id: t.sellerId,
    order_id: id,
    data: { order: { id, status: 'shipped', sales_channel: null, version: 9 }, from: 'packed', to: 'shipped' },
  };
  return { t, event };
}

describe('effects of events: effectively once, never lost', function () {
  this.timeout(60_000);

  it('retries a push the provider refused, with backoff, and delivers it exactly once', async () => {
    const { t, event } = await shippedEvent();
    getStack().pusher.failNext(`private-seller-${t.sellerId}`, 2);
    await sendToQueue('orderUpdates', event);
    const pending = await eventually('the failure recorded as pending with its reason', async () =>
      (await effects(t.tenantId, '?status=pending')).find((e) => e.event_id === event.event_id && e.effect === 'pusher'),
    );
    assert.match(pending.last_error, /503|unavailable/i);
    assert.ok(pending.next_attempt_at, 'a pending effect says when it is tried next');
    await eventually('delivered by the sweeper', async () => pushes(t.sellerId, event.event_id as string).length === 1);
    const done = await eventually('recorded as sent', async () => (await effects(t.tenantId)).find((e) => e.event_id === event.event_id && e.status === 'sent'));
    assert.equal(done.attempts, 3);
    await eventually('the message is gone', queueDrained);
    assert.equal(pushes(t.sellerId, event.event_id as string).length, 1, 'never twice');
    // The e-mail of the same event was its own effect: sent once, on the first attempt.
    const notes = await getStack().oms.container.platform.mongo.db.collection('notifications').find({ tenant_id: t.tenantId, event_id: event.event_id }).toArray();
    assert.deepEqual(notes.map((n) => [n.channel, n.status]), [['email', 'sent']]);
  });

  it('parks an effect after the attempt limit, lists it with its reason, and replays it once', async () => {
    const { t, event } = await shippedEvent();
    getStack().pusher.failNext(`private-seller-${t.sellerId}`, getStack().config.effects.max_attempts);
    await sendToQueue('orderUpdates', event);
    const parked = await eventually('parked', async () => (await effects(t.tenantId, '?status=parked')).find((e) => e.event_id === event.event_id));
    assert.equal(parked.attempts, getStack().config.effects.max_attempts);
    assert.match(parked.last_error, /503|unavailable/i);
    assert.equal(pushes(t.sellerId, event.event_id as string).length, 0);

    // A redelivered copy (a DLQ replay) does not resend a parked effect by itself.
    await sendToQueue('orderUpdates', event);
    await eventually('the copy is handled', queueDrained);
    assert.equal(pushes(t.sellerId, event.event_id as string).length, 0);

    const replay = await http('POST', `/internal/api/v1/tenants/${t.tenantId}/effects/${encodeURIComponent(parked.id)}/replay`, { headers: internalHeaders() });
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.data.outcome, 'sent');
    assert.equal(replay.body.data.status, 'sent');
    assert.equal(pushes(t.sellerId, event.event_id as string).length, 1);
    const again = await http('POST', `/internal/api/v1/tenants/${t.tenantId}/effects/${encodeURIComponent(parked.id)}/replay`, { headers: internalHeaders() });
    assert.equal(again.status, 409, 'a sent effect is never replayed');
    assert.equal(pushes(t.sellerId, event.event_id as string).length, 1);
  });

  it('takes over a claim whose holder died once its lease ran out, instead of refusing it', async () => {
    const { t, event } = await shippedEvent();
    const { config, dynamo } = getStack().oms.container.platform;
    const ledger = new EffectLedger(dynamo, `${config.aws.dynamodb.table_prefix}${TABLES.idempotency.name}`);
    // A worker claimed the push and was killed before it published anything.
    const claim = await ledger.claim(`${event.event_id}:pusher`, 1500);
    assert.equal(claim.kind, 'claimed');
    // A copy arriving while that lease lives leaves the effect to its holder…
    await sendToQueue('orderUpdates', event);
    await eventually('the first copy is handled', queueDrained);
    assert.equal(pushes(t.sellerId, event.event_id as string).length, 0);
    // …and the holder's own message, delivered again after its visibility (the lease) ran out, takes it over.
    await new Promise((r) => setTimeout(r, 1600));
    await sendToQueue('orderUpdates', event);
    await eventually('published by the redelivery', async () => pushes(t.sellerId, event.event_id as string).length === 1);
    await eventually('drained', queueDrained);
    assert.equal(pushes(t.sellerId, event.event_id as string).length, 1);
  });

  it('sends an effect whose holder died even when its message never comes back: the copy that found the claim leaves it to the sweeper', async () => {
    const { t, event } = await shippedEvent();
    const { config, dynamo } = getStack().oms.container.platform;
    const ledger = new EffectLedger(dynamo, `${config.aws.dynamodb.table_prefix}${TABLES.idempotency.name}`);
    // A worker claimed the push and was killed; its message was then deleted by the copy below.
    assert.equal((await ledger.claim(`${event.event_id}:pusher`, 1500)).kind, 'claimed');
    await sendToQueue('orderUpdates', event);
    await eventually('the copy is handled', queueDrained);
    assert.equal(pushes(t.sellerId, event.event_id as string).length, 0);
    const listed = await http('GET', `/internal/api/v1/tenants/${t.tenantId}/effects?status=pending`, { headers: internalHeaders() });
    assert.ok(listed.body.data.some((e: { id: string }) => e.id === `${event.event_id}:pusher`), 'the held effect is on the sweeper\'s list');
    // Nothing else arrives: the sweeper takes the lapsed claim over and publishes once.
    await eventually('published by the sweeper', async () => pushes(t.sellerId, event.event_id as string).length === 1, 15_000);
    await eventually('recorded sent', async () => {
      const res = await http('GET', `/internal/api/v1/tenants/${t.tenantId}/effects?status=sent`, { headers: internalHeaders() });
      return res.body.data.some((e: { id: string }) => e.id === `${event.event_id}:pusher`);
    });
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(pushes(t.sellerId, event.event_id as string).length, 1);
  });

  it('claims the effects of an event together, and each on its own once any is taken (ADR 0019)', async () => {
    const { config, dynamo } = getStack().oms.container.platform;
    const ledger = new EffectLedger(dynamo, `${config.aws.dynamodb.table_prefix}${TABLES.idempotency.name}`);
    const eventId = `evt-${uid()}`;
    const keys = ['pusher', 'email', 'sms'].map((effect) => `${eventId}:${effect}`);
    const first = await ledger.claimAll(keys, 20_000);
    assert.deepEqual(keys.map((k) => first.get(k)), [1, 1, 1].map((attempt) => ({ kind: 'claimed', attempt })));
    // A copy arriving while the claims live gets none of them.
    const copy = await ledger.claimAll(keys, 20_000);
    assert.deepEqual(keys.map((k) => copy.get(k)?.kind), ['held', 'held', 'held']);
    // Two sent, one pending (due at once): a redelivery skips the sent ones and takes the pending one.
    await ledger.settleSent(keys.slice(0, 2));
    await ledger.settle(keys[2]!, { status: 'pending', nextAttemptAt: new Date(Date.now() - 1), error: 'smtp down' });
    const again = await ledger.claimAll(keys, 20_000);
    assert.deepEqual(keys.map((k) => again.get(k)), [{ kind: 'sent' }, { kind: 'sent' }, { kind: 'claimed', attempt: 2 }]);
    assert.equal(await ledger.reopen(keys[0]!), false, 'a sent effect is never reopened');
  });

  it('settles the effects of an event claimed at once with batched puts as they are sent; after a failure, or on a claim shared with another holder, it updates (ADR 0019, amendments 2 and 4)', async () => {
    const { config, dynamo } = getStack().oms.container.platform;
    const table = `${config.aws.dynamodb.table_prefix}${TABLES.idempotency.name}`;
    const ledger = new EffectLedger(dynamo, table);
    const ids = { whole: `evt-${uid()}`, stepwise: `evt-${uid()}`, failing: `evt-${uid()}`, shared: `evt-${uid()}` };
    const calls: string[] = [];
    const stop = watchCalls(dynamo, ({ operation, input }) => {
      const call = input as { Key?: { pk?: { S?: string } }; RequestItems?: Record<string, { PutRequest?: { Item?: { pk?: { S?: string } } } }[]> };
      const pks = [call.Key?.pk?.S, ...Object.values(call.RequestItems ?? {}).flat().map((r) => r.PutRequest?.Item?.pk?.S)];
      for (const [name, id] of Object.entries(ids)) if (pks.includes(`effects#${id}`)) calls.push(`${name} ${operation}`);
    });
    const keys = (id: string) => ['pusher', 'email', 'sms'].map((effect) => `${id}:${effect}`);
    const [pusher, email, sms] = [0, 1, 2];
    try {
      // Another holder claimed the shared event's push first: this holder's claims are each its own.
      await ledger.claim(keys(ids.shared)[sms]!, 20_000);
      await Promise.all(Object.values(ids).map((id) => ledger.claimAll(keys(id), 20_000)));
      const of = (id: string) => keys(id);
      await Promise.all([
        ledger.settleSent(of(ids.whole)),
        (async () => {
          await ledger.settleSent([of(ids.stepwise)[pusher]!]);
          await ledger.settleSent([of(ids.stepwise)[email]!, of(ids.stepwise)[sms]!]);
        })(),
        (async () => {
          await ledger.settleSent([of(ids.failing)[pusher]!]);
          await ledger.settle(of(ids.failing)[email]!, { status: 'pending', nextAttemptAt: new Date(Date.now() - 1), error: 'smtp down' });
          await ledger.settleSent([of(ids.failing)[sms]!]);
        })(),
        ledger.settleSent(of(ids.shared).slice(0, 2)),
      ]);
      const byEvent = (name: string) => calls.filter((c) => c.startsWith(`${name} `)).map((c) => c.split(' ')[1]);
      // Each list starts with the claim (an UpdateItem); the shared one's first is the other holder's claim.
      assert.deepEqual(byEvent('whole'), ['UpdateItem', 'BatchWriteItem']);
      assert.deepEqual(byEvent('stepwise'), ['UpdateItem', 'BatchWriteItem', 'BatchWriteItem']);
      assert.deepEqual(byEvent('failing'), ['UpdateItem', 'BatchWriteItem', 'UpdateItem', 'UpdateItem']);
      // The other holder's claim; then the all-at-once claim failed (the SMS was taken), so each effect was claimed on its
      // own (the SMS's refusal read why: a GetItem), and the two sent were settled by an update.
      assert.deepEqual(byEvent('shared').sort(), ['GetItem', ...Array(6).fill('UpdateItem')]);
      // Whatever way they were written, a redelivery finds each effect as it was left, with the attempts the claims counted.
      const again = async (id: string) => {
        const claims = await ledger.claimAll(keys(id), 20_000);
        return keys(id).map((k) => claims.get(k));
      };
      assert.deepEqual(await again(ids.whole), [{ kind: 'sent' }, { kind: 'sent' }, { kind: 'sent' }]);
      assert.deepEqual(await again(ids.stepwise), [{ kind: 'sent' }, { kind: 'sent' }, { kind: 'sent' }]);
      assert.deepEqual(await again(ids.failing), [{ kind: 'sent' }, { kind: 'claimed', attempt: 2 }, { kind: 'sent' }]);
      assert.deepEqual((await again(ids.shared)).map((c) => c?.kind), ['sent', 'sent', 'held']);
    } finally {
      stop();
    }
  });

  it('refuses a malformed replay id and an unknown effect', async () => {
    const t = await createTenant();
    const bad = await http('POST', `/internal/api/v1/tenants/${t.tenantId}/effects/${encodeURIComponent('no spaces allowed')}/replay`, { headers: internalHeaders() });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].field, 'path.effect_id');
    const missing = await http('POST', `/internal/api/v1/tenants/${t.tenantId}/effects/evt-none:pusher/replay`, { headers: internalHeaders() });
    assert.equal(missing.status, 404);
  });
});
