import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { loadConfig, withOverrides, type Config } from '../../configs/config.js';
import { ensureEmbeddedStack, startChildServer } from '../../localstack/embedded.js';
import { NotifyReceiver } from '../../localstack/notify-receiver.js';
import { PusherReceiver } from '../../localstack/pusher-receiver.js';
import { SmtpSink } from '../../localstack/smtp-sink.js';
import { startOms, type Oms } from '../../cmd/oms.js';
import { createLogger } from '../../core/platform/logger.js';

/**
 * The global fixture: the real local stack, once per run. FerretDB and Redis are shared servers
 * (started if absent, reused if present) with a database and key prefix of this run's own;
 * fauxqs and dynalite run as child processes, fresh each run; the OMS itself runs in process
 * (API + workers) against them. Every test makes its own tenant, so tests never see each
 * other's data.
 */
export interface TestStack {
  config: Config;
  oms: Oms;
  baseUrl: string;
  pusher: PusherReceiver;
  /** Customer e-mails as received over SMTP. */
  smtp: SmtpSink;
  /** SMS and push as received by the HTTP provider stand-in. */
  notify: NotifyReceiver;
  runId: string;
}

/** In an event's data (beyond the order state), makes the topic refuse it for good (configs: events.refuse_marker). */
export const REFUSE_MARKER = 'oms-test-refuse-publish';

let stack: TestStack | null = null;
let cleanup: (() => Promise<void>) | null = null;

export function getStack(): TestStack {
  if (!stack) throw new Error('the test stack is not up (is test/support/stack.ts loaded as a global fixture?)');
  return stack;
}

export async function mochaGlobalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const base = loadConfig(process.env);
  const endpoints = await ensureEmbeddedStack(
    base.localstack,
    { mongo: !process.env.MONGODB_URI, redis: !process.env.REDIS_URL, sqs: false, dynamo: false },
    // Quiet, but an outdated or ungated FerretDB on the port must not be used silently.
    (message) => message.includes('WARNING') && console.warn(message),
  );
  const [sqs, dyn] = await Promise.all([startChildServer('fauxqs'), startChildServer('dynalite')]);
  const pusher = new PusherReceiver('test-app', 'test-key', 'test-secret');
  const pusherPort = await pusher.start(0);
  const smtp = new SmtpSink();
  const smtpPort = await smtp.start(0);
  const notify = new NotifyReceiver('test-notify-token');
  const notifyPort = await notify.start(0);

  const config = withOverrides(base, {
    'service.env': 'test',
    'service.log_level': process.env.LOG_LEVEL ?? 'silent',
    'server.port': 0,
    'mongodb.uri': process.env.MONGODB_URI ?? endpoints.mongoUri,
    'mongodb.database': `oms_test_${runId}`,
    'redis.url': process.env.REDIS_URL ?? endpoints.redisUrl,
    'redis.key_prefix': `oms-test:${runId}:`,
    'aws.sqs.endpoint': sqs.url,
    'aws.sqs.max_receive_count': 3,
    'aws.dynamodb.endpoint': dyn.url,
    'pusher.app_id': 'test-app',
    'pusher.key': 'test-key',
    'pusher.secret': 'test-secret',
    'pusher.host': '127.0.0.1',
    'pusher.port': pusherPort,
    'notifications.email.host': '127.0.0.1',
    'notifications.email.port': smtpPort,
    'notifications.sms.url': `http://127.0.0.1:${notifyPort}/sms`,
    'notifications.sms.token': 'test-notify-token',
    'notifications.push.url': `http://127.0.0.1:${notifyPort}/push`,
    'notifications.push.token': 'test-notify-token',
    'order.outbox_sweep_interval_ms': 500,
    'order.outbox_sweep_min_age_ms': 2000,
    'order.outbox_full_sweep_every_ms': 5000,
    'effects.max_attempts': 4,
    'effects.retry_base_delay_ms': 200,
    'effects.sweep_interval_ms': 200,
    // test/event-stream.test.ts makes an event unsendable with this marker (never in other tests' data).
    'events.refuse_marker': REFUSE_MARKER,
    'events.max_publish_attempts': 3,
    'dev.wms_simulator': false,
    // The fixtures' courier scans carry fixed 2026 dates; keep them inside the accepted age for years.
    'courier.max_scan_age_hours': 24 * 365 * 10,
    // courier booking and SLA (issue 16): quick retries so outages and recoveries fit in a test
    'courier.booking.timeout_ms': 1000,
    'courier.booking.retries': 1,
    'courier.booking.retry_base_ms': 50,
    'courier.booking.retry_max_ms': 300,
    'courier.booking.lease_ms': 2000,
    'courier.booking.sweep_interval_ms': 200,
    'courier.booking.breaker.volume_threshold': 2,
    'courier.booking.breaker.reset_timeout_ms': 500,
    'sla.sweep_interval_ms': 3600000,
    'monitoring.queue_depth_interval_ms': 2000,
    // The bulk lane as wide as the interactive one here: the bulk tests' orders are routed in the
    // background while later files run (ADR 0016's narrow default is for fairness, measured in the bench).
    'workers.hub_routing_bulk.worker_count': 2,
    'workers.hub_routing_bulk.concurrency_per_worker': 10,
    // Webhook receivers of the tests listen on 127.0.0.1 over http; private ranges stay refused.
    'webhooks.allow_http': true,
    'webhooks.allow_loopback': true,
    'webhooks.dispatch_interval_ms': 100,
    'webhooks.timeout_ms': 1500,
    'webhooks.lease_ms': 5000,
    'webhooks.max_attempts': 4,
    'webhooks.retry_base_delay_ms': 100,
    'webhooks.retry_max_delay_ms': 400,
    'webhooks.disable_after_failures': 6,
  });
  const oms = await startOms(config, 'all', { logger: createLogger(config), waitTimeSeconds: 1 });
  stack = { config, oms, baseUrl: `http://127.0.0.1:${oms.port}`, pusher, smtp, notify, runId };
  cleanup = async () => {
    await oms.stop();
    const client = new MongoClient(config.mongodb.uri);
    await client.connect();
    await client.db(config.mongodb.database).dropDatabase().catch(() => undefined);
    await client.close();
    await Promise.all([pusher.stop(), smtp.stop(), notify.stop()]);
    await Promise.all([sqs.stop(), dyn.stop()]);
  };
}

export async function mochaGlobalTeardown(): Promise<void> {
  await cleanup?.();
}
