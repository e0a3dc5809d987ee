#!/usr/bin/env node
import { ConfigError, explicitEndpoints, loadConfig, withOverrides, type Config } from '../configs/config.js';
import { ensureEmbeddedStack } from '../localstack/embedded.js';
import { NotifyReceiver } from '../localstack/notify-receiver.js';
import { PusherReceiver } from '../localstack/pusher-receiver.js';
import { SmtpSink } from '../localstack/smtp-sink.js';
import { AppError } from '../core/domain/errors.js';
import { createLogger } from '../core/platform/logger.js';
import { startOms, type Mode, type Oms } from './oms.js';
import { seedDemo, seedDemoCarriers, seedDemoStock, type DemoSeeders } from './demo.js';
import { CommanderError } from 'commander';
import { buildProgram } from './cli/program.js';

/**
 * Entry point (the package's `oms` bin): `oms server | worker | all | dev` run the service;
 * dev = all + the embedded local stack (only what the environment leaves unset) + demo data.
 * The operator commands (check-stock, tenants, sellers, hubs, dlq, orders, events) are in cmd/cli/.
 */
export const demoSeeders: DemoSeeders = { stock: seedDemoStock };

async function runService(command: Mode | 'dev'): Promise<void> {
  let config = loadConfig();
  const logger = createLogger(config);
  let sinks: LocalSink[] = [];

  if (command === 'dev') {
    ({ config, sinks } = await prepareDevStack(config, (m) => logger.info(m)));
  }
  const mode: Mode = command === 'dev' ? 'all' : (command as Mode);
  const oms = await startOms(config, mode, { logger });
  installShutdown(oms, sinks, config);

  if (command === 'dev') {
    const demo = await seedDemo(oms.container, demoSeeders);
    const carriers = await seedDemoCarriers(oms.container);
    const base = `http://127.0.0.1:${oms.port}`;
    console.log(
      [
        '',
        `OMS dev stack is up on ${base}  (API + workers, embedded stack, demo data)`,
        `  demo tenant  ${demo.tenantId}`,
        `  demo seller  ${demo.sellerId}`,
        `  API key      ${demo.apiKey}`,
        `  hubs         ${demo.hubs.map((h) => h.code).join(', ')}   skus ${demo.skus.join(', ')}`,
        `  OpenAPI      ${base}/openapi.json     readiness ${base}/health/ready`,
        `  carriers     ${carriers.map((c) => `${c.name} ${c.baseUrl}`).join(', ')}   (POST {url}/_control {"down": true} to fail one)`,
        '',
      ].join('\n'),
    );
  }
}

/** A stand-in for an upstream that dev mode runs in process (Pusher, SMTP, SMS/push providers). */
interface LocalSink {
  stop(): Promise<void>;
}

async function prepareDevStack(config: Config, log: (m: string) => void): Promise<{ config: Config; sinks: LocalSink[] }> {
  const explicit = explicitEndpoints();
  const endpoints = await ensureEmbeddedStack(
    config.localstack,
    { mongo: !explicit.mongo, redis: !explicit.redis, sqs: !explicit.sqs, dynamo: !explicit.dynamo },
    log,
  );
  const overrides: Record<string, unknown> = {};
  if (endpoints.mongoUri) overrides['mongodb.uri'] = endpoints.mongoUri;
  if (endpoints.redisUrl) overrides['redis.url'] = endpoints.redisUrl;
  if (endpoints.sqsEndpoint) overrides['aws.sqs.endpoint'] = endpoints.sqsEndpoint;
  if (endpoints.dynamoEndpoint) overrides['aws.dynamodb.endpoint'] = endpoints.dynamoEndpoint;
  const sinks: LocalSink[] = [];
  if (!explicit.pusher && config.pusher.enabled) {
    const receiver = new PusherReceiver(config.pusher.app_id, config.pusher.key, config.pusher.secret);
    const port = await receiver.start(config.localstack.pusher_port).catch(() => receiver.start(0));
    sinks.push(receiver);
    overrides['pusher.host'] = '127.0.0.1';
    overrides['pusher.port'] = port;
    log(`pusher: local receiver (signature-checking) on 127.0.0.1:${port}, events at /_events`);
  }
  // Customer notifications: whatever has no provider configured goes to a local sink.
  const { email, sms, push } = config.notifications;
  const smtp = email.host ? null : new SmtpSink();
  if (smtp) {
    const port = await smtp.start(config.localstack.smtp_port).catch(() => smtp.start(0));
    sinks.push(smtp);
    Object.assign(overrides, { 'notifications.email.host': '127.0.0.1', 'notifications.email.port': port, 'notifications.email.secure': false });
    log(`smtp: local sink on 127.0.0.1:${port} (customer e-mails kept in memory)`);
  }
  if (!sms.url || !push.url) {
    const token = 'local-notify-token';
    const notify = new NotifyReceiver(token, smtp);
    const port = await notify.start(config.localstack.notify_port).catch(() => notify.start(0));
    sinks.push(notify);
    if (!sms.url) Object.assign(overrides, { 'notifications.sms.url': `http://127.0.0.1:${port}/sms`, 'notifications.sms.token': token });
    if (!push.url) Object.assign(overrides, { 'notifications.push.url': `http://127.0.0.1:${port}/push`, 'notifications.push.token': token });
    log(`notify: local SMS/push receiver on 127.0.0.1:${port}; sent messages at /_messages${smtp ? ', e-mails at /_mail' : ''}`);
  }
  return { config: withOverrides(config, overrides), sinks };
}

function installShutdown(oms: Oms, sinks: LocalSink[], config: Config): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: stopping (finishing in-flight requests and messages)...`);
    const force = setTimeout(() => {
      console.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.server.shutdown_timeout_ms);
    force.unref();
    void oms
      .stop()
      .then(() => Promise.all(sinks.map((s) => s.stop())))
      .then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

buildProgram(runService)
  .parseAsync(process.argv.slice(2), { from: 'user' })
  .catch((err: unknown) => {
    // Commander has printed the usage error (or the help, exit 0); exitOverride makes it throw.
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    if (err instanceof ConfigError) {
      console.error(err.message);
    } else if (err instanceof AppError) {
      const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
      console.error(`cannot start: ${err.message}${cause}`);
    } else {
      console.error('cannot start:', err);
    }
    process.exit(1);
  });
