import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createSnsClient } from '../core/platform/aws.js';
import { SnsEventStream } from '../core/platform/event-stream.js';
import { EVENT_SCHEMA_VERSION, registerEventDefinition, type OutboundEvent } from '../core/domain/events.js';
import { AppError } from '../core/domain/errors.js';
import { tenantScope } from '../core/domain/tenant-scope.js';
import { ParkedEventRepository } from '../core/order/parked-event.repository.js';
import { toOutboundEvent } from '../core/order/order-event.relay.js';
import { createTenant, eventually, http, internalHeaders, pastBusy, type TestTenant } from './support/api.js';
import { REFUSE_MARKER, getStack } from './support/stack.js';
import { approvedOrder, courier, readOrder, sendWms, stockedHub, untilStatus } from './fulfilment.fixtures.js';
import { z } from 'zod';

interface Received {
  event: OutboundEvent;
  attributes: Record<string, string>;
}

/** A queue of the test's own, subscribed to the topic as another system would (raw delivery, a filter policy). */
class Subscriber {
  readonly received: Received[] = [];
  private constructor(private readonly url: string) {}

  static async create(filterPolicy: Record<string, unknown>): Promise<Subscriber> {
    const { platform } = getStack().oms.container;
    const name = `evt-test-${randomBytes(4).toString('hex')}`;
    const { QueueUrl } = await platform.queues.sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await platform.queues.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await sns().send(
      new SubscribeCommand({
        TopicArn: await stream().topicArn(),
        Protocol: 'sqs',
        Endpoint: Attributes?.QueueArn,
        Attributes: { RawMessageDelivery: 'true', FilterPolicy: JSON.stringify(filterPolicy) },
      }),
    );
    return new Subscriber(QueueUrl as string);
  }

  /** Receives what has arrived (and deletes it), keeping every copy: dedupe is the consumer's job. */
  async drain(): Promise<Received[]> {
    const { sqs } = getStack().oms.container.platform.queues;
    for (;;) {
      const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: this.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }));
      const messages = res.Messages ?? [];
      if (messages.length === 0) return this.received;
      for (const m of messages) {
        this.received.push({
          event: JSON.parse(m.Body ?? '{}') as OutboundEvent,
          attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? ''])),
        });
      }
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.url, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
    }
  }

  /** The order's events, once each (deduped by event_id), in sequence order. */
  async eventsOf(orderId: string): Promise<OutboundEvent[]> {
    const byId = new Map<string, OutboundEvent>();
    for (const r of await this.drain()) if (r.event.order_id === orderId) byId.set(r.event.event_id, r.event);
    return [...byId.values()].sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
  }
}

let snsClient: SNSClient | null = null;
function sns(): SNSClient {
  snsClient ??= createSnsClient(getStack().config.aws);
  return snsClient;
}

function stream(): SnsEventStream {
  return getStack().oms.container.platform.eventStream as SnsEventStream;
}

function internal(t: TestTenant, method: string, path: string, body?: unknown) {
  return http(method, `/internal/api/v1/tenants/${t.tenantId}${path}`, { body, headers: internalHeaders() });
}

async function deliveredOrder(t: TestTenant): Promise<string> {
  const order = await approvedOrder(t, [{ sku: 'SKU-A', quantity: 2 }]);
  for (const status of ['picking', 'picked', 'packing', 'packed']) {
    await sendWms(t, order.id, status);
    await untilStatus(t, order.id, status);
  }
  await sendWms(t, order.id, 'shipped', { shipment: { awb: `AWB${Date.now()}${randomBytes(2).toString('hex')}`, courier: 'aramex', tracking_url: 'https://track.example.com/1' } });
  const shipped = await untilStatus(t, order.id, 'shipped', (o) => !!o.invoice_number);
  assert.equal((await courier(shipped.shipment!.shipment_id!, { status: 'IN_TRANSIT', timestamp: '2026-01-01T10:00:00Z', location: { lat: 24.7, lng: 46.6 } })).status, 200);
  assert.equal((await courier(shipped.shipment!.awb!, { status: 'DELIVERED', timestamp: '2026-01-01T15:00:00Z', location: { lat: 24.71, lng: 46.67 } })).status, 200);
  await untilStatus(t, order.id, 'delivered', (o) => o.outbox.length === 0);
  return order.id;
}

describe('event stream: the oms-events topic', () => {
  it("delivers every event of an order's life to a subscriber's own queue, once each after dedupe, in sequence order; a second filter gets only its type", async () => {
    const t = await createTenant();
    const all = await Subscriber.create({ tenant_id: [t.tenantId] });
    const statusOnly = await Subscriber.create({ tenant_id: [t.tenantId], event_type: ['order.status_changed.v1'] });
    const other = await createTenant();
    await stockedHub(t, 'H1', { 'SKU-A': 10 });
    await stockedHub(other, 'H1', { 'SKU-A': 10 }); // another tenant's events must not reach either queue

    const id = await deliveredOrder(t);
    const stored = await readOrder(t, id);
    const events = await eventually('every event of the order on the subscriber queue', async () => {
      const got = await all.eventsOf(id);
      return got.length === stored.event_seq ? got : null;
    });

    assert.deepEqual(
      events.map((e) => e.sequence),
      Array.from({ length: stored.event_seq! }, (_, i) => i + 1),
      'sequences 1..n, no gap, no repeat',
    );
    const names = events.map((e) => e.event);
    for (const name of ['order.created.v1', 'inventory.reserved.v1', 'order.hub_assigned.v1', 'shipment.created.v1', 'order.updated.v1', 'shipment.updated.v1']) {
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    }
    assert.equal(names[0], 'order.created.v1');
    const moves = events.filter((e) => e.event === 'order.status_changed.v1').map((e) => e.data.to);
    assert.deepEqual(moves, ['approved', 'picking', 'picked', 'packing', 'packed', 'shipped', 'delivered']);
    // state in each event is the order after that change: versions never go back in sequence order
    const versions = events.map((e) => (e.data.order as { version: number }).version);
    assert.deepEqual([...versions].sort((a, b) => a - b), versions);
    for (const e of events) {
      assert.equal(e.tenant_id, t.tenantId);
      assert.equal(e.seller_id, t.sellerId);
      assert.equal(e.schema_version, EVENT_SCHEMA_VERSION);
    }
    const copies = all.received.filter((r) => r.event.order_id === id);
    for (const r of copies) {
      assert.deepEqual(
        { event_type: r.attributes.event_type, tenant_id: r.attributes.tenant_id, seller_id: r.attributes.seller_id, schema_version: r.attributes.schema_version },
        { event_type: r.event.event, tenant_id: t.tenantId, seller_id: t.sellerId, schema_version: EVENT_SCHEMA_VERSION },
      );
    }
    // stock events of the tenant come too (no order, no sequence); none of the other tenant's
    const stock = all.received.filter((r) => r.event.event === 'inventory.updated.v1');
    assert.ok(stock.length >= 1);
    assert.ok(stock.every((r) => r.event.order_id === null && r.event.sequence === null && r.event.data.sku === 'SKU-A'));
    assert.ok(all.received.every((r) => r.event.tenant_id === t.tenantId));

    await statusOnly.drain();
    assert.ok(statusOnly.received.length >= 7);
    assert.ok(statusOnly.received.every((r) => r.event.event === 'order.status_changed.v1' && r.event.tenant_id === t.tenantId));
    assert.deepEqual(
      (await statusOnly.eventsOf(id)).map((e) => e.data.to),
      ['approved', 'picking', 'picked', 'packing', 'packed', 'shipped', 'delivered'],
    );
  });

  it('emits inventory.failed.v1 when routing holds an order for stock', async () => {
    const t = await createTenant();
    const all = await Subscriber.create({ tenant_id: [t.tenantId], event_type: [{ prefix: 'inventory.' }] });
    await stockedHub(t, 'H1', { 'SKU-A': 1 });
    const res = await t.seller('POST', '/orders', { ...(await import('./fulfilment.fixtures.js')).orderBody([{ sku: 'SKU-A', quantity: 5 }]) });
    assert.equal(res.status, 201);
    await untilStatus(t, res.body.data.id, 'on_hold');
    const failed = await eventually('inventory.failed.v1', async () => (await all.eventsOf(res.body.data.id)).find((e) => e.event === 'inventory.failed.v1'));
    assert.equal(failed.data.hold_reason, 'insufficient_inventory');
    assert.equal((failed.data.order as { status: string }).status, 'on_hold');
    assert.ok(!(await all.eventsOf(res.body.data.id)).some((e) => e.event === 'inventory.reserved.v1'));
  });

  it('reports per event what SNS refused for good (too large) and lets the rest of the batch go', async () => {
    const t = await createTenant();
    const sub = await Subscriber.create({ tenant_id: [t.tenantId] });
    const event = (n: number, data: Record<string, unknown> = {}): OutboundEvent => ({
      event_id: `evt-${randomBytes(6).toString('hex')}`,
      event: 'inventory.updated.v1',
      occurred_at: new Date().toISOString(),
      tenant_id: t.tenantId,
      seller_id: t.sellerId,
      order_id: null,
      sequence: null,
      data: { n, ...data },
    });
    // Random bytes do not compress: over SNS's 256 KiB even gzipped.
    const batch = [event(1), event(2, { blob: randomBytes(300 * 1024).toString('base64') }), event(3)];
    const results = await stream().publish(batch);
    assert.deepEqual(
      results.map((r) => [r.event_id, r.ok, r.ok ? null : r.permanent]),
      [
        [batch[0]!.event_id, true, null],
        [batch[1]!.event_id, false, true],
        [batch[2]!.event_id, true, null],
      ],
    );
    assert.match((results[1] as { reason: string }).reason, /InvalidParameter/);
    const got = await eventually('the two good ones', async () => ((await sub.drain()).length >= 2 ? sub.received : null));
    assert.deepEqual(got.map((r) => r.event.data.n).sort(), [1, 3]);
  });

  it('answers every event as retryable (not refused) when SNS cannot be reached', async () => {
    const config = getStack().config;
    const dead = new SnsEventStream(createSnsClient({ ...config.aws, sns: { ...config.aws.sns, endpoint: 'http://127.0.0.1:9' } }), { arn: '', name: 'oms-events' });
    const e: OutboundEvent = { event_id: 'evt-x', event: 'order.created.v1', occurred_at: new Date().toISOString(), tenant_id: 't', seller_id: 's', order_id: 'o', sequence: 1, data: {} };
    const [r] = await dead.publish([e]);
    assert.equal(r?.ok, false);
    assert.equal(r && !r.ok && r.permanent, false);
  });

  it('parks an event the topic keeps refusing, with its reason, on the timeline and in a metric, and does not hold back the later events', async () => {
    const t = await createTenant();
    const sub = await Subscriber.create({ tenant_id: [t.tenantId] });
    await stockedHub(t, 'H1', { 'SKU-A': 10 });
    await stockedHub(t, 'H2', { 'SKU-A': 10 });
    const order = await approvedOrder(t, [{ sku: 'SKU-A', quantity: 1 }]);
    const parkedBefore = await parkedCount('order.hub_assigned.v1');
    const target = order.hub_code === 'H1' ? 'H2' : 'H1';
    // The reason travels in order.hub_assigned.v1's data only: that event becomes unsendable.
    const moved = await t.seller('POST', `/orders/${order.id}/reassign-hub`, { hub_code: target, reason: `damaged shelf ${REFUSE_MARKER}` });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    await sendWms(t, order.id, 'picking');
    await untilStatus(t, order.id, 'picking');

    // the later event goes out while the refused one is still being retried or parked
    const picking = await eventually('picking on the topic', async () => (await sub.eventsOf(order.id)).find((e) => e.event === 'order.status_changed.v1' && e.data.to === 'picking'));
    const parked = await eventually('the refused event parked', async () => {
      const res = await internal(t, 'GET', '/parked-events?status=parked');
      return res.body.data.length === 1 ? res.body.data[0] : null;
    });
    assert.equal(parked.event, 'order.hub_assigned.v1');
    assert.equal(parked.order_id, order.id);
    assert.equal(parked.status, 'parked');
    assert.equal(parked.attempts, 3, 'events.max_publish_attempts in the test stack');
    assert.match(parked.reason, /InvalidParameter/);
    assert.ok(parked.sequence < picking.sequence!, 'the later event went out although an earlier one was refused');
    assert.equal(parked.envelope.event_id, parked.event_id);

    const after = await eventually('outbox empty', async () => {
      const o = await readOrder(t, order.id);
      return o.outbox.length === 0 ? o : null;
    });
    const note = after.timeline.find((e) => e.kind === 'event_parked');
    assert.ok(note, 'the parking is on the timeline');
    assert.equal(note.actor, 'system');
    assert.equal((note.details as { event_id: string }).event_id, parked.event_id);
    const timeline = await t.seller('GET', `/orders/${order.id}/timeline`);
    assert.ok(timeline.body.data.some((e: { kind: string }) => e.kind === 'event_parked'));
    assert.equal(await parkedCount('order.hub_assigned.v1'), parkedBefore + 1);
    assert.ok(!(await sub.eventsOf(order.id)).some((e) => e.event_id === parked.event_id), 'never published');

    // replayed while SNS still refuses it: answered as failed, stays parked, one more attempt
    const replay = await internal(t, 'POST', `/parked-events/${parked.event_id}/replay`);
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.data.outcome, 'failed');
    assert.equal(replay.body.data.status, 'parked');
    assert.equal(replay.body.data.attempts, 4);
  });

  it('parks an event whose follow-up fails for good, and still publishes the later events', async () => {
    const t = await createTenant();
    const sub = await Subscriber.create({ tenant_id: [t.tenantId] });
    const res = await t.seller('POST', '/orders', (await import('./fulfilment.fixtures.js')).orderBody([{ sku: 'SKU-A', quantity: 1 }]));
    assert.equal(res.status, 201);
    const id: string = res.body.data.id;
    await eventually('created on the topic', async () => (await sub.eventsOf(id)).some((e) => e.event === 'order.created.v1'));
    // A follow-up that can never succeed for this order's edits (as a bug or bad data would).
    getStack().oms.container.orders.relay.onEvent(async (order, event) => {
      if (order.id === id && event.type === 'order.updated.v1') throw new AppError('validation_failed', 'this follow-up refuses the event');
    });
    // Routing may hold the order's lock for a moment: retried as a client would.
    const edit = await pastBusy('the edit', () => t.seller('PUT', `/orders/${id}`, { edit_type: 'customer_details', customer: { name: 'Renamed' } }));
    assert.equal(edit.status, 200, JSON.stringify(edit.body));
    const cancel = await pastBusy('the cancel', () => t.seller('POST', `/orders/${id}/cancel`, { reason: 'after the edit' }));
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    await eventually('cancel on the topic', async () => (await sub.eventsOf(id)).some((e) => e.event === 'order.status_changed.v1' && e.data.to === 'cancelled'));
    const parked = await eventually('the edit event parked', async () => {
      const list = await internal(t, 'GET', `/parked-events?status=parked&order_id=${id}`);
      return list.body.data[0];
    });
    assert.equal(parked.event, 'order.updated.v1');
    assert.match(parked.reason, /follow-up failed: this follow-up refuses the event/);
    assert.ok(!(await sub.eventsOf(id)).some((e) => e.event === 'order.updated.v1'));
    await eventually('outbox empty', async () => (await readOrder(t, id)).outbox.length === 0);
  });

  it('replays a parked event on request: published once, noted on the timeline, and a second replay is refused', async () => {
    const t = await createTenant();
    const sub = await Subscriber.create({ tenant_id: [t.tenantId] });
    await stockedHub(t, 'H1', { 'SKU-A': 10 });
    const order = await approvedOrder(t, [{ sku: 'SKU-A', quantity: 1 }]);
    const outboxEvent = { event_id: `evt-${randomBytes(6).toString('hex')}`, type: 'order.updated.v1', sequence: 99, occurred_at: new Date(), payload: { order: { id: order.id }, source: 'test' } };
    const envelope = toOutboundEvent(order, outboxEvent);
    const now = new Date();
    // As the relay leaves one after a refusal that has since been fixed (here: written directly).
    await new ParkedEventRepository(getStack().oms.container.platform.mongo.db).insert(tenantScope(t.tenantId), {
      id: outboxEvent.event_id,
      tenant_id: t.tenantId,
      seller_id: t.sellerId,
      order_id: order.id,
      event: outboxEvent.type,
      sequence: 99,
      status: 'parked',
      attempts: 3,
      reason: 'InvalidParameter: Message too long',
      envelope,
      outbox_event: outboxEvent,
      first_failed_at: now,
      parked_at: now,
      replayed_at: null,
      updated_at: now,
    });
    const res = await internal(t, 'POST', `/parked-events/${outboxEvent.event_id}/replay`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data.outcome, 'sent');
    assert.equal(res.body.data.status, 'replayed');
    assert.ok(res.body.data.replayed_at);
    const got = await eventually('replayed event on the topic', async () => (await sub.eventsOf(order.id)).find((e) => e.event_id === outboxEvent.event_id));
    assert.equal(got.sequence, 99);
    assert.ok((await readOrder(t, order.id)).timeline.some((e) => e.kind === 'event_replayed'));

    const again = await internal(t, 'POST', `/parked-events/${outboxEvent.event_id}/replay`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'conflict');
    const listed = await internal(t, 'GET', '/parked-events?status=replayed');
    assert.deepEqual(listed.body.data.map((p: { event_id: string }) => p.event_id), [outboxEvent.event_id]);
  });

  it('answers bad parked-event requests with 4xx, another tenant with 404', async () => {
    const t = await createTenant();
    const other = await createTenant();
    assert.equal((await internal(t, 'GET', '/parked-events?status=bogus')).status, 400);
    assert.equal((await internal(t, 'GET', '/parked-events?limit=0')).status, 400);
    assert.equal((await internal(t, 'POST', '/parked-events/no-such-event/replay')).status, 404);
    assert.equal((await internal(t, 'POST', `/parked-events/${encodeURIComponent('bad id!')}/replay`)).status, 400);
    assert.equal((await http('GET', `/internal/api/v1/tenants/${t.tenantId}/parked-events`, {})).status, 401);
    // a service limited to the other tenant sees nothing of this one
    const svc = await http('POST', '/internal/api/v1/service-tokens', { body: { name: 'evt-ops', tenants: [other.tenantId], scopes: ['events:read', 'tenants:write'] }, headers: internalHeaders() });
    assert.equal((await http('GET', `/internal/api/v1/tenants/${t.tenantId}/parked-events`, { headers: { 'x-internal-token': svc.body.data.token } })).status, 404);
  });

  it('serves the AsyncAPI 3 document of every event at /asyncapi.json without credentials', async () => {
    const res = await http('GET', '/asyncapi.json', {});
    assert.equal(res.status, 200);
    const doc = res.body;
    assert.equal(doc.asyncapi, '3.0.0');
    assert.equal(doc.channels.events.address, 'oms-events');
    for (const name of ['order.created.v1', 'order.status_changed.v1', 'inventory.reserved.v1', 'inventory.failed.v1', 'inventory.updated.v1', 'shipment.created.v1', 'shipment.updated.v1', 'return.created.v1', 'bulk_job.progress.v1']) {
      const message = doc.components.messages[name];
      assert.ok(message, `${name} documented`);
      assert.equal(message.payload.properties.event.const, name);
      for (const field of ['event_id', 'occurred_at', 'tenant_id', 'seller_id', 'order_id', 'sequence', 'data']) assert.ok(message.payload.properties[field], `${name}.${field}`);
      assert.ok(message.headers.properties.event_type);
      assert.deepEqual(doc.channels.events.messages[name], { $ref: `#/components/messages/${name}` });
    }
    assert.ok(doc.components.messages['order.status_changed.v1'].payload.properties.data.properties.to);
    assert.equal(doc.operations.publishEvents.messages.length, Object.keys(doc.components.messages).length);
    assert.throws(() => registerEventDefinition('order.created.v1', { group: 'order', summary: 'x', data: z.object({}) }), /defined twice/);
  });
});

async function parkedCount(event: string): Promise<number> {
  const metric = await getStack().oms.container.platform.metrics.registry.getSingleMetric('oms_events_parked_total')?.get();
  return metric?.values.find((v) => v.labels.event === event)?.value ?? 0;
}
