import assert from 'node:assert/strict';
import { EVENT_TYPES, type OutboundEvent } from '../core/domain/events.js';
import { tenantScope } from '../core/domain/tenant-scope.js';
import { NotificationRepository } from '../core/notification/notification.repository.js';
import { customerStage, templateData } from '../core/notification/notification.service.js';
import { checkTemplate, CUSTOMER_STAGES, defaultTemplate, render, type CustomerStage } from '../core/notification/notification.templates.js';
import { createTenant, eventually, http, internalHeaders, type TestTenant } from './support/api.js';
import { getStack } from './support/stack.js';
import { courier, orderBody, readOrder, sendWms, stockedHub, untilStatus } from './fulfilment.fixtures.js';
import { orderRepo, sendToQueue, uid } from './orders-support.js';
import { ChannelMessage } from '../core/order/order.schemas.js';
import { wmsSimulator } from '../core/fulfillment/wms-simulator.js';
import { CourierTrackingService } from '../core/shipment/courier-tracking.service.js';
import { ShipmentRepository } from '../core/shipment/shipment.repository.js';

/** Customer notifications on real channels: SMTP (read from the local sink), SMS and push over the HTTP provider contract. */

interface Customer {
  name: string;
  email: string;
  phone: string;
  push_token?: string;
}

/** A customer with an e-mail, a phone and (unless `push` is false) a device push token of their own. */
function customer(name = 'Aisha Khan', push = true): Customer {
  const id = uid();
  const c: Customer = { name, email: `c-${id}@example.com`, phone: `+9665${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}` };
  return push ? { ...c, push_token: `ExponentPushToken[${id.replace(/[^A-Za-z0-9]/g, '')}x${Date.now()}]` } : c;
}

/** An order created through the API for `c`, routed and approved by the OMS. */
async function approvedOrderFor(t: TestTenant, c: Customer): Promise<{ id: string; ref: string }> {
  const body = orderBody([{ sku: 'SKU-N', quantity: 1 }], { customer: c });
  const res = await t.seller('POST', '/orders', body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  await untilStatus(t, res.body.data.id, 'approved');
  return { id: res.body.data.id, ref: body.order_id as string };
}

async function stockedTenant(): Promise<TestTenant> {
  const t = await createTenant();
  await stockedHub(t, 'H1', { 'SKU-N': 50 });
  return t;
}

function mailsTo(c: Customer) {
  return getStack().smtp.messagesTo(c.email);
}

function smsTo(c: Customer) {
  return getStack().notify.messagesTo(c.phone, 'sms');
}

function pushesTo(c: Customer) {
  return c.push_token ? getStack().notify.messagesTo(c.push_token, 'push') : [];
}

/** What `c` received for one stage: its e-mail (found by subject), SMS and push (named by stage), each exactly once. */
async function heard(c: Customer, stage: CustomerStage, subject: RegExp) {
  const got = await eventually(`${stage} on every channel`, async () => {
    const mail = mailsTo(c).filter((m) => subject.test(m.subject));
    const sms = smsTo(c).filter((m) => m.stage === stage);
    const push = pushesTo(c).filter((m) => m.stage === stage);
    return mail.length > 0 && sms.length > 0 && push.length > 0 ? { mail: mail[0]!, sms: sms[0]!, push: push[0]! } : null;
  });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(mailsTo(c).filter((m) => subject.test(m.subject)).length, 1, `one ${stage} e-mail`);
  assert.equal(smsTo(c).filter((m) => m.stage === stage).length, 1, `one ${stage} SMS`);
  assert.equal(pushesTo(c).filter((m) => m.stage === stage).length, 1, `one ${stage} push`);
  assert.equal(got.push.title, got.mail.subject, 'the push title is the e-mail subject');
  assert.equal(got.push.body, got.sms.body, 'the push body is the SMS text');
  return got;
}

/** The notification records of an order (what was sent or attempted, with the reason of a failure). */
async function notifications(t: TestTenant, orderId: string): Promise<any[]> {
  return new NotificationRepository(getStack().oms.container.platform.mongo.db).listForOrder(tenantScope(t.tenantId), orderId);
}

async function effects(t: TestTenant, query = ''): Promise<any[]> {
  const res = await http('GET', `/internal/api/v1/tenants/${t.tenantId}/effects${query}`, { headers: internalHeaders() });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

function templates(t: TestTenant, method: string, path = '', body?: unknown) {
  return http(method, `/internal/api/v1/tenants/${t.tenantId}/notification-templates${path}`, { headers: internalHeaders(), ...(body === undefined ? {} : { body }) });
}

describe('customer notifications', function () {
  this.timeout(60_000);

  it('e-mails the confirmation and the shipped notice (with its tracking link) over SMTP, and texts both', async () => {
    const t = await stockedTenant();
    const c = customer('Tom <b>&</b> Jerry');
    const order = await approvedOrderFor(t, c);
    const confirmation = await eventually('the confirmation e-mail', async () => mailsTo(c).find((m) => /confirmed/i.test(m.subject)));
    assert.deepEqual(confirmation.to, [c.email]);
    assert.equal(confirmation.subject, `Your order ${order.ref} is confirmed`);
    assert.match(confirmation.from, /orders@oms\.local/);
    // Values in the HTML body are escaped; the customer's markup is text, not markup.
    assert.ok(confirmation.html.includes('Tom &lt;b&gt;&amp;&lt;/b&gt; Jerry'), confirmation.html);
    assert.ok(!confirmation.html.includes('<b>&</b>'));

    const tracking = `https://track.example.com/${uid()}?awb=1&x=2`;
    await sendWms(t, order.id, 'shipped', { shipment: { awb: `AWB-${uid()}`, courier: 'aramex', tracking_url: tracking } });
    await untilStatus(t, order.id, 'shipped');
    const shipped = await eventually('the shipped e-mail', async () => mailsTo(c).find((m) => /shipped/i.test(m.subject)));
    assert.equal(shipped.subject, `Your order ${order.ref} has shipped`);
    // Handlebars escapes `&` and `=` in the link too; decoded, it is the tracking URL as given.
    assert.ok(shipped.html.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&').includes(`href="${tracking}"`), shipped.html);
    assert.match(shipped.text, /Track your parcel/);

    const texts = await eventually('both SMS', async () => (smsTo(c).length >= 2 ? smsTo(c) : null));
    assert.ok(texts.some((m) => m.body === `Hi Tom <b>&</b> Jerry, your order ${order.ref} is confirmed. We will tell you when it ships.`), JSON.stringify(texts));
    assert.ok(texts.some((m) => m.body.includes(`Track it: ${tracking}`)), JSON.stringify(texts));

    const pushes = await eventually('both pushes', async () => (pushesTo(c).length >= 2 ? pushesTo(c) : null));
    assert.deepEqual(pushes.map((m) => m.stage).sort(), ['order_confirmed', 'order_shipped']);
    const shippedPush = pushes.find((m) => m.stage === 'order_shipped')!;
    assert.equal(shippedPush.title, `Your order ${order.ref} has shipped`);
    assert.ok(shippedPush.body.includes(`Track it: ${tracking}`), shippedPush.body);
    assert.match(shippedPush.idempotency_key ?? '', /:push$/);
    assert.equal(shippedPush.order_id, order.id);

    const records = await eventually('six records', async () => {
      const r = await notifications(t, order.id);
      return r.length === 6 && r.every((n) => n.status === 'sent') ? r : null;
    });
    assert.deepEqual(records.map((r) => `${r.stage}:${r.channel}`).sort(), [
      'order_confirmed:email',
      'order_confirmed:push',
      'order_confirmed:sms',
      'order_shipped:email',
      'order_shipped:push',
      'order_shipped:sms',
    ]);
    assert.ok(records.every((r) => r.error === null && r.attempts === 1 && r.template === 'default'));
    // The token is an address to the customer's device: the record names it, masked.
    const pushRecord = records.find((r) => r.channel === 'push')!;
    assert.notEqual(pushRecord.recipient, c.push_token);
    assert.equal(pushRecord.recipient, `${c.push_token!.slice(0, 6)}…${c.push_token!.slice(-4)}`);
    assert.equal(mailsTo(c).length, 2, 'one e-mail per stage');
    assert.equal(pushesTo(c).length, 2, 'one push per stage');
  });

  it('retries an e-mail the SMTP server refused for a while, delivers it once and keeps the failures on record', async () => {
    const t = await stockedTenant();
    const c = customer();
    getStack().smtp.refuseNext(c.email, 2, 451);
    const order = await approvedOrderFor(t, c);
    await eventually('delivered after the refusals', async () => mailsTo(c).length === 1);
    const [note] = await eventually('recorded as sent', async () => {
      const r = (await notifications(t, order.id)).filter((n) => n.channel === 'email');
      return r.length === 1 && r[0].status === 'sent' ? r : null;
    });
    assert.equal(note.attempts, 3);
    assert.equal(note.error, null);
    const effect = (await effects(t)).find((e) => e.effect === 'email');
    assert.equal(effect.status, 'sent');
    assert.equal(effect.attempts, 3);
    assert.match(effect.last_error, /451/);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(mailsTo(c).length, 1, 'never twice');
  });

  it('parks an e-mail the server refuses for good, with the reason on the notification', async () => {
    const t = await stockedTenant();
    const c = customer();
    getStack().smtp.refuseNext(c.email, 1, 550);
    const order = await approvedOrderFor(t, c);
    const failed = await eventually('the refusal recorded', async () => (await notifications(t, order.id)).find((n) => n.channel === 'email' && n.status === 'failed' && /550/.test(n.error)));
    assert.equal(failed.sent_at, null);
    const parked = await eventually('parked (a 5xx is not retried)', async () => (await effects(t, '?status=parked')).find((e) => e.effect === 'email'));
    assert.match(parked.last_error, /550/);
    assert.ok(parked.attempts < getStack().config.effects.max_attempts, 'parked by the refusal, not by running out of attempts');
    assert.equal(mailsTo(c).length, 0);
    // The SMS of the same event is its own effect and went out.
    await eventually('the SMS sent anyway', async () => smsTo(c).length === 1);
    // An operator replays it once the mailbox is fixed.
    const replay = await http('POST', `/internal/api/v1/tenants/${t.tenantId}/effects/${encodeURIComponent(parked.id)}/replay`, { headers: internalHeaders() });
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.data.outcome, 'sent');
    assert.equal(mailsTo(c).length, 1);
    const sent = (await notifications(t, order.id)).find((n) => n.channel === 'email');
    assert.equal(sent.status, 'sent');
    assert.equal(sent.attempts, parked.attempts + 1);
  });

  it('sends SMS through the HTTP provider contract, retrying an outage, once per event', async () => {
    const t = await stockedTenant();
    const c = customer();
    getStack().notify.failNext(c.phone, 1, 503);
    const order = await approvedOrderFor(t, c);
    const sms = await eventually('the SMS after the outage', async () => (smsTo(c).length === 1 ? smsTo(c)[0] : null));
    const stored = await readOrder(t, order.id);
    assert.equal(sms.channel, 'sms');
    assert.equal(sms.stage, 'order_confirmed');
    assert.equal(sms.title, null);
    assert.equal(sms.tenant_id, t.tenantId);
    assert.equal(sms.order_id, order.id);
    assert.match(sms.idempotency_key ?? '', /:sms$/);
    assert.equal(sms.id, sms.idempotency_key);
    assert.ok(stored.customer.phone === c.phone);
    const note = await eventually('recorded as sent after a retry', async () => (await notifications(t, order.id)).find((n) => n.channel === 'sms' && n.status === 'sent'));
    assert.equal(note.attempts, 2);
    assert.equal(smsTo(c).length, 1);
  });

  it('parks an SMS the provider refuses (4xx), and refuses a wrong token', async () => {
    const t = await stockedTenant();
    const c = customer();
    getStack().notify.failNext(c.phone, 1, 400);
    const order = await approvedOrderFor(t, c);
    const failed = await eventually('the refusal recorded', async () => (await notifications(t, order.id)).find((n) => n.channel === 'sms' && n.status === 'failed'));
    assert.match(failed.error, /400/);
    await eventually('parked', async () => (await effects(t, '?status=parked')).find((e) => e.effect === 'sms'));
    const bad = await fetch(getStack().config.notifications.sms.url, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, body: JSON.stringify({ to: c.phone, body: 'x' }) });
    assert.equal(bad.status, 401);
  });

  it("uses a tenant's template for a stage and channel, escaped in e-mail, and leaves other tenants on the default", async () => {
    const t = await stockedTenant();
    const other = await stockedTenant();
    const put = await templates(t, 'PUT', '/order_confirmed/email', { subject: 'Welcome, {{customer.name}}! #{{order.order_id}}', body: '<h1>Thanks {{customer.name}}</h1><p>Order {{order.order_id}}</p>' });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.data.source, 'tenant');
    const sms = await templates(t, 'PUT', '/order_confirmed/sms', { body: 'Yo {{customer.name}}, got {{order.order_id}}' });
    assert.equal(sms.status, 200, JSON.stringify(sms.body));
    assert.equal(sms.body.data.subject, null);

    const c = customer('Ann & <i>Bo</i>', false);
    const order = await approvedOrderFor(t, c);
    const mail = await eventually('the tenant-worded e-mail', async () => mailsTo(c)[0]);
    assert.equal(mail.subject, `Welcome, Ann & <i>Bo</i>! #${order.ref}`);
    assert.ok(mail.html.includes('<h1>Thanks Ann &amp; &lt;i&gt;Bo&lt;/i&gt;</h1>'), mail.html);
    const text = await eventually('the tenant-worded SMS', async () => smsTo(c)[0]);
    assert.equal(text.body, `Yo Ann & <i>Bo</i>, got ${order.ref}`);
    const records = await eventually('records', async () => {
      const r = await notifications(t, order.id);
      return r.length === 2 ? r : null;
    });
    assert.ok(records.every((r) => r.template === 'tenant'));

    const c2 = customer();
    const order2 = await approvedOrderFor(other, c2);
    const mail2 = await eventually('the default e-mail for the other tenant', async () => mailsTo(c2)[0]);
    assert.equal(mail2.subject, `Your order ${order2.ref} is confirmed`);

    const list = await templates(t, 'GET');
    assert.equal(list.status, 200);
    assert.equal(list.body.data.length, CUSTOMER_STAGES.length * 3);
    assert.deepEqual(list.body.data.filter((v: any) => v.source === 'tenant').map((v: any) => `${v.stage}:${v.channel}`).sort(), ['order_confirmed:email', 'order_confirmed:sms']);
    const reset = await templates(t, 'DELETE', '/order_confirmed/email');
    assert.equal(reset.status, 200);
    assert.equal(reset.body.data.source, 'default');
    assert.equal(reset.body.data.subject, defaultTemplate('order_confirmed', 'email').subject);
    const again = await templates(t, 'DELETE', '/order_confirmed/email');
    assert.equal(again.status, 404, 'nothing left to remove');
    assert.equal(again.body.error.code, 'not_found');
  });

  it('refuses bad templates with a clear 400 and stores nothing', async () => {
    const t = await stockedTenant();
    const cases: [string, unknown, RegExp][] = [
      ['/order_confirmed/email', { subject: 'Hi', body: '{{#if customer.name}}unclosed' }, /body/],
      ['/order_confirmed/email', { subject: 'Hi {{', body: 'ok' }, /subject/],
      ['/order_confirmed/email', { body: '<p>{{{customer.name}}}</p>' }, /unescaped/],
      ['/order_confirmed/email', { body: '{{lookup order "id"}} {{helperThatIsNot order}}' }, /body/],
      ['/order_confirmed/sms', { subject: 'SMS have none', body: 'x' }, /subject/],
      ['/order_confirmed/email', { body: '' }, /body/],
      ['/order_confirmed/email', { body: 'x', extra: 1 }, /extra|unrecognized/i],
      ['/order_confirmed/email', { subject: 5, body: 'x' }, /subject/],
      ['/no_such_stage/email', { body: 'x' }, /stage/],
      ['/order_confirmed/fax', { body: 'x' }, /channel/],
    ];
    for (const [path, body, problem] of cases) {
      const res = await templates(t, 'PUT', path, body);
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'validation_failed');
      assert.match(JSON.stringify(res.body.error.details), problem, JSON.stringify(res.body));
    }
    const list = await templates(t, 'GET');
    assert.ok(list.body.data.every((v: any) => v.source === 'default'), 'nothing stored');
    const unknown = await http('PUT', '/internal/api/v1/tenants/no-such-tenant/notification-templates/order_confirmed/email', { headers: internalHeaders(), body: { body: 'x' } });
    assert.equal(unknown.status, 404);
    const noToken = await http('PUT', `/internal/api/v1/tenants/${t.tenantId}/notification-templates/order_confirmed/email`, { body: { body: 'x' } });
    assert.equal(noToken.status, 401);
  });

  it('tells the customer their return was received', async () => {
    const t = await stockedTenant();
    const c = customer();
    const order = await approvedOrderFor(t, c);
    await sendWms(t, order.id, 'shipped');
    await untilStatus(t, order.id, 'shipped');
    await sendWms(t, order.id, 'delivered');
    await untilStatus(t, order.id, 'delivered');
    const ret = await t.seller('POST', `/orders/${order.id}/returns`, { items: [{ seller_sku_code: 'SKU-N', quantity: 1, reason: 'damaged' }] });
    assert.equal(ret.status, 201, JSON.stringify(ret.body));
    const received = await t.seller('POST', `/returns/${ret.body.data.id}/receive`, {});
    assert.equal(received.status, 200, JSON.stringify(received.body));
    const mail = await eventually('the return e-mail', async () => mailsTo(c).find((m) => /return/i.test(m.subject)));
    assert.equal(mail.subject, `We received your return for order ${order.ref}`);
    assert.match(mail.html, new RegExp(`return ${ret.body.data.return_number}`));
    // One e-mail per stage; the return request itself is not a customer notification.
    await eventually('every stage e-mailed', async () => mailsTo(c).length === 4);
    assert.deepEqual(mailsTo(c).map((m) => m.subject.split(' ').slice(-2).join(' ')).sort(), ['has shipped', 'is confirmed', `order ${order.ref}`, 'was delivered'].sort());
  });

  it('tells the customer every stage on e-mail, SMS and push: out for delivery, delivered, return received, refunded; delivery failed; cancelled', async () => {
    const t = await stockedTenant();
    const scan = (awb: string, status: string, at: number) => courier(awb, { status, timestamp: new Date(at).toISOString() });

    // One order through to the refund: shipped, out for delivery, delivered, returned, refunded.
    const c = customer();
    const order = await approvedOrderFor(t, c);
    await heard(c, 'order_confirmed', /is confirmed/);
    const waybill = `AWB-${uid()}`;
    const tracking = `https://track.example.com/${waybill}`;
    await sendWms(t, order.id, 'shipped', { shipment: { awb: waybill, courier: 'aramex', tracking_url: tracking } });
    await untilStatus(t, order.id, 'shipped');
    const shipped = await heard(c, 'order_shipped', /has shipped/);
    assert.ok(shipped.sms.body.endsWith(`Track it: ${tracking}`), shipped.sms.body);

    const now = Date.now();
    const out = await scan(waybill, 'OUT_FOR_DELIVERY', now - 60_000);
    assert.equal(out.status, 200, JSON.stringify(out.body));
    const outHeard = await heard(c, 'out_for_delivery', /out for delivery/);
    assert.equal(outHeard.mail.subject, `Your order ${order.ref} is out for delivery`);
    assert.ok(outHeard.mail.html.includes(`href="${tracking}"`), outHeard.mail.html);
    assert.equal(outHeard.sms.body, `Your order ${order.ref} is out for delivery today. Track it: ${tracking}`);
    assert.equal((await readOrder(t, order.id)).status, 'shipped', 'out for delivery does not move the order');

    assert.equal((await scan(waybill, 'DELIVERED', now - 30_000)).status, 200);
    await untilStatus(t, order.id, 'delivered');
    assert.equal((await heard(c, 'order_delivered', /was delivered/)).mail.subject, `Your order ${order.ref} was delivered`);

    const ret = await t.seller('POST', `/orders/${order.id}/returns`, { items: [{ seller_sku_code: 'SKU-N', quantity: 1, reason: 'damaged' }] });
    assert.equal(ret.status, 201, JSON.stringify(ret.body));
    assert.equal((await t.seller('POST', `/returns/${ret.body.data.id}/receive`, {})).status, 200);
    const received = await heard(c, 'return_received', /received your return/);
    assert.match(received.mail.html, new RegExp(`return ${ret.body.data.return_number}\\b`));
    const refund = await t.seller('POST', `/returns/${ret.body.data.id}/refund`, { amount: 7.5, note: 'damaged unit' });
    assert.equal(refund.status, 200, JSON.stringify(refund.body));
    const refunded = await heard(c, 'order_refunded', /Your refund/);
    assert.equal(refunded.mail.subject, `Your refund for order ${order.ref}`);
    assert.match(refunded.mail.html, /We refunded 7\.5 SAR for your order/);
    assert.equal(refunded.sms.body, `We refunded 7.5 SAR for your order ${order.ref}.`);
    // In transit, delivery failed and cancelled were never this order's stages: nothing else was sent.
    const stages = ['order_confirmed', 'order_shipped', 'out_for_delivery', 'order_delivered', 'return_received', 'order_refunded'];
    assert.deepEqual(smsTo(c).map((m) => m.stage).sort(), [...stages].sort());
    assert.deepEqual(pushesTo(c).map((m) => m.stage).sort(), [...stages].sort());
    assert.equal(mailsTo(c).length, stages.length);

    // A failed delivery.
    const c2 = customer();
    const order2 = await approvedOrderFor(t, c2);
    const waybill2 = `AWB-${uid()}`;
    await sendWms(t, order2.id, 'shipped', { shipment: { awb: waybill2, courier: 'aramex', tracking_url: `https://track.example.com/${waybill2}` } });
    await untilStatus(t, order2.id, 'shipped');
    assert.equal((await scan(waybill2, 'FAILED', Date.now() - 1000)).status, 200);
    await untilStatus(t, order2.id, 'delivery_failed');
    const failed = await heard(c2, 'delivery_failed', /could not deliver/);
    assert.equal(failed.mail.subject, `We could not deliver your order ${order2.ref}`);
    assert.equal(failed.sms.body, `We could not deliver your order ${order2.ref}; the courier will try again or contact you.`);

    // A cancellation by the seller.
    const c3 = customer();
    const order3 = await approvedOrderFor(t, c3);
    const cancel = await t.seller('POST', `/orders/${order3.id}/cancel`, { reason: 'out of stock at the supplier' });
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    const cancelled = await heard(c3, 'order_cancelled', /was cancelled/);
    assert.equal(cancelled.push.title, `Your order ${order3.ref} was cancelled`);
    assert.equal(cancelled.push.to, c3.push_token);
  });

  it('retries a push the provider answered 500, records the failure with its reason, and sends it once', async () => {
    const t = await stockedTenant();
    const c = customer();
    getStack().notify.failNext(c.push_token!, 2, 500);
    const order = await approvedOrderFor(t, c);
    // While the provider fails, the push is on record as failed, with the provider's answer.
    const failing = await eventually('the failure recorded', async () => (await notifications(t, order.id)).find((n) => n.channel === 'push' && n.status === 'failed'));
    assert.match(failing.error, /push provider answered 500/);
    assert.equal(failing.sent_at, null);
    const push = await eventually('the push after the outage', async () => (pushesTo(c).length === 1 ? pushesTo(c)[0] : null), 30_000);
    assert.equal(push.stage, 'order_confirmed');
    const note = await eventually('recorded as sent after the retries', async () => (await notifications(t, order.id)).find((n) => n.channel === 'push' && n.status === 'sent'));
    assert.equal(note.attempts, 3);
    assert.equal(note.error, null);
    const effect = await eventually('the push effect sent', async () => (await effects(t)).find((e) => e.effect === 'push' && e.status === 'sent'));
    assert.equal(effect.attempts, 3);
    assert.match(effect.last_error, /500/);
    // The e-mail and SMS of the same event are their own effects: sent once, not resent by the push's retries.
    assert.equal(mailsTo(c).length, 1);
    assert.equal(smsTo(c).length, 1);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(pushesTo(c).length, 1, 'never twice once it succeeded');
  });

  it('takes a push token on create (API and order message) and on a customer edit; no token, no push and no record', async () => {
    const t = await stockedTenant();
    const c = customer('No Device', false);
    const order = await approvedOrderFor(t, c);
    await eventually('e-mail and SMS', async () => mailsTo(c).length === 1 && smsTo(c).length === 1);
    const view = await t.seller('GET', `/orders/${order.id}`);
    assert.equal(view.body.data.customer.push_token, null);
    const records = await eventually('two records', async () => {
      const r = await notifications(t, order.id);
      return r.length === 2 ? r : null;
    });
    assert.deepEqual(records.map((r) => r.channel).sort(), ['email', 'sms'], 'no push record without a token');
    // Nothing to send is not a failure: the push effect never lands on the list of failed effects.
    assert.ok(!(await effects(t)).some((e) => e.effect === 'push'), 'no failed push effect');

    // Given later by editing the customer: the next stage reaches the device.
    const token = `fcm-${uid()}:APA91b${uid()}`;
    const edit = await t.seller('PUT', `/orders/${order.id}`, { edit_type: 'customer_details', customer: { push_token: token } });
    assert.equal(edit.status, 200, JSON.stringify(edit.body));
    assert.equal(edit.body.data.customer.push_token, token);
    assert.equal(edit.body.data.customer.email, c.email, 'the rest of the customer stays');
    await sendWms(t, order.id, 'shipped', { shipment: { awb: `AWB-${uid()}`, courier: 'aramex' } });
    await heard({ ...c, push_token: token }, 'order_shipped', /has shipped/);

    // Through the sales channel's order message.
    const viaQueue = customer();
    const body = orderBody([{ sku: 'SKU-N', quantity: 1 }], { customer: viaQueue });
    await sendToQueue('createOrder', { event: 'create_order', tenant_id: t.tenantId, seller_id: t.sellerId, order: body });
    const listed = await eventually('the queued order', async () => (await t.seller('GET', `/orders?q=${encodeURIComponent(body.order_id as string)}`)).body.data[0]);
    assert.equal(listed.customer.push_token, viaQueue.push_token);
    await heard(viaQueue, 'order_confirmed', /is confirmed/);
  });

  it('refuses a bad push token with a 400 naming the field, and writes nothing', async () => {
    const t = await stockedTenant();
    const bad = ['short', 'x'.repeat(513), 'token with spaces in it', '<script>alert(1)</script>', 'tok\u0000en-123456', 42, { token: 'abcdefghij' }];
    for (const push_token of bad) {
      const body = orderBody([{ sku: 'SKU-N', quantity: 1 }], { customer: { ...customer(), push_token } });
      const res = await t.seller('POST', '/orders', body);
      assert.equal(res.status, 400, `${JSON.stringify(push_token)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'validation_failed');
      assert.ok(JSON.stringify(res.body.error.details).includes('push_token'), JSON.stringify(res.body));
    }
    assert.equal((await t.seller('GET', '/orders')).body.meta.total, 0, 'no order written');
    // The order message is held to the same schema (the listener dead-letters what it refuses).
    const message = { event: 'create_order', tenant_id: t.tenantId, seller_id: t.sellerId, order: orderBody([{ sku: 'SKU-N', quantity: 1 }], { customer: { ...customer(), push_token: 'bad token' } }) };
    const parsed = ChannelMessage.safeParse(message);
    assert.equal(parsed.success, false);
    assert.deepEqual(parsed.error!.issues.map((i) => i.path.join('.')), ['order.customer.push_token']);
    // And so is a customer edit; the stored token stays.
    const c = customer();
    const order = await approvedOrderFor(t, c);
    const edit = await t.seller('PUT', `/orders/${order.id}`, { edit_type: 'customer_details', customer: { push_token: 'no spaces allowed' } });
    assert.equal(edit.status, 400, JSON.stringify(edit.body));
    assert.equal((await readOrder(t, order.id)).customer.push_token, c.push_token);
  });

  it('hears out for delivery from the dev WMS simulator, between shipped and delivered', async () => {
    const t = await stockedTenant();
    const c = customer();
    const order = await approvedOrderFor(t, c);
    const { platform, fulfilment } = getStack().oms.container;
    const tracking = new CourierTrackingService(new ShipmentRepository(platform.mongo.db), fulfilment.fulfillment);
    const scans: string[] = [];
    const sim = wmsSimulator(orderRepo(), platform.queues, async () => [t.tenantId], 50, platform.logger, (awb) => {
      scans.push(awb);
      return tracking.record(awb, { status: 'OUT_FOR_DELIVERY', timestamp: new Date(), location: null });
    });
    await eventually(
      'delivered by the simulator',
      async () => {
        await sim.runOnce();
        return (await readOrder(t, order.id)).status === 'delivered';
      },
      30_000,
      200,
    );
    assert.equal(scans.length, 1, 'one scan, for the waybill it handed out');
    const stored = await readOrder(t, order.id);
    assert.equal(stored.shipment?.awb, scans[0]);
    const out = await heard(c, 'out_for_delivery', /out for delivery/);
    const delivered = await heard(c, 'order_delivered', /was delivered/);
    assert.ok(out.sms.received_at <= delivered.sms.received_at, 'out for delivery came first');
  });

  it('sends one e-mail for an event delivered twice', async () => {
    const t = await stockedTenant();
    const c = customer();
    const order = await approvedOrderFor(t, c);
    await eventually('the confirmation', async () => mailsTo(c).length === 1);
    const stored = await readOrder(t, order.id);
    const event: OutboundEvent = {
      event_id: `evt-${uid()}`,
      event: EVENT_TYPES.orderStatusChanged,
      occurred_at: new Date().toISOString(),
      tenant_id: t.tenantId,
      seller_id: t.sellerId,
      order_id: order.id,
      data: { order: { id: order.id, order_id: stored.order_id, status: 'cancelled' }, from: 'approved', to: 'cancelled' },
    };
    await Promise.all([sendToQueue('orderUpdates', event), sendToQueue('orderUpdates', event)]);
    await eventually('the cancellation e-mail', async () => mailsTo(c).some((m) => /cancelled/.test(m.subject)));
    await sendToQueue('orderUpdates', event);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(mailsTo(c).filter((m) => /cancelled/.test(m.subject)).length, 1);
    assert.equal(smsTo(c).filter((m) => /cancelled/.test(m.body)).length, 1);
    assert.equal(pushesTo(c).filter((m) => m.stage === 'order_cancelled').length, 1);
  });
});

describe('customer stages and templates (pure)', () => {
  const base: OutboundEvent = { event_id: 'e1', event: '', occurred_at: '2026-01-01T00:00:00Z', tenant_id: 't', seller_id: 's', order_id: 'o', data: {} };
  const ev = (event: string, data: Record<string, unknown> = {}): OutboundEvent => ({ ...base, event, data });

  it('maps every customer-facing event to its stage, and nothing else', () => {
    assert.equal(customerStage(ev(EVENT_TYPES.orderCreated)), 'order_confirmed');
    for (const [to, stage] of [['shipped', 'order_shipped'], ['delivered', 'order_delivered'], ['delivery_failed', 'delivery_failed'], ['cancelled', 'order_cancelled']]) {
      assert.equal(customerStage(ev(EVENT_TYPES.orderStatusChanged, { to })), stage);
    }
    for (const to of ['approved', 'on_hold', 'picking', 'picked', 'packing', 'packed', 'returned_to_origin']) assert.equal(customerStage(ev(EVENT_TYPES.orderStatusChanged, { to })), null);
    assert.equal(customerStage(ev(EVENT_TYPES.shipmentUpdated, { tracking: { status: 'IN_TRANSIT' } })), 'shipment_in_transit');
    assert.equal(customerStage(ev(EVENT_TYPES.shipmentUpdated, { tracking: { status: 'OUT_FOR_DELIVERY' } })), 'out_for_delivery');
    assert.equal(customerStage(ev(EVENT_TYPES.shipmentUpdated, { shipment: {} })), null);
    assert.equal(customerStage(ev('return.received.v1')), 'return_received');
    assert.equal(customerStage(ev('payment.refunded.v1')), 'order_refunded');
    assert.equal(customerStage(ev(EVENT_TYPES.orderHubAssigned)), null);
    assert.equal(customerStage(ev(EVENT_TYPES.returnCreated)), null);
  });

  it('has a default for every stage on every channel, all valid, and drops non-http tracking links', () => {
    for (const stage of CUSTOMER_STAGES) {
      for (const channel of ['email', 'sms', 'push'] as const) {
        const t = defaultTemplate(stage, channel);
        checkTemplate(t);
        assert.equal(t.subject === null, channel === 'sms');
        const data = templateData(stage, ev('x', { order: { order_id: 'SO-1', shipment: { tracking_url: 'javascript:alert(1)', awb: 'A1', courier: 'c' } } }), { name: 'N', email: null, phone: null });
        const out = render(t, channel, data);
        assert.ok(out.body.includes('SO-1'), `${stage}/${channel}: ${out.body}`);
        assert.ok(!out.body.includes('javascript:'), `${stage}/${channel}`);
      }
    }
    const shipped = templateData('order_shipped', ev('x', { order: { order_id: 'SO-2', shipment: { tracking_url: 'https://t.example/1' } } }), { name: 'N', email: null, phone: null });
    assert.match(render(defaultTemplate('order_shipped', 'email'), 'email', shipped).body, /href="https:\/\/t\.example\/1"/);
  });
});
