import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../configs/config.js';
import { createApp } from '../router/app.js';
import { createLogger, type Logger } from '../core/platform/logger.js';
import type { Metrics } from '../core/platform/metrics.js';
import { serveMetrics, type MetricsServer } from '../core/platform/metrics-server.js';
import { DependencyWatch } from '../core/workers/runtime/dependency-watch.js';
import { ListenerServer } from '../core/workers/runtime/server.js';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { TABLES } from '../localstack/resources.js';
import { tenantScope } from '../core/domain/tenant-scope.js';
import type { BackgroundTask } from '../core/platform/module.js';
import { connectPlatform } from '../core/platform/platform.js';
import { HandlerGroup } from '../core/workers/runtime/handler-group.js';
import { buildContainer, type Container } from './container.js';
import { queueDepthSampler } from '../core/operations/queue-depth.sampler.js';

export type Mode = 'server' | 'worker' | 'all';

/** A running OMS process (API, workers or both). Used by cmd/main.ts, the tests and the benchmark. */
export interface Oms {
  container: Container;
  port: number | null;
  workers: ListenerServer | null;
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  metrics?: Metrics;
  /** Long-poll wait; tests use a short one so shutdown is quick. */
  waitTimeSeconds?: number;
}

export async function startOms(config: Config, mode: Mode, options: StartOptions = {}): Promise<Oms> {
  const logger = options.logger ?? createLogger(config);
  const platform = await connectPlatform(config, logger, { metrics: options.metrics });
  const container = await buildContainer(platform);

  let server: Server | null = null;
  // What readiness reports, and what a paused worker waits for before it receives again.
  const dependencies = [
    { name: 'mongodb', check: async () => void (await platform.mongo.db.command({ ping: 1 })) },
    { name: 'redis', check: async () => void (await platform.redis.ping()) },
    {
      name: 'sqs',
      check: async () => {
        const url = await platform.queues.url(platform.queues.name('createOrder'));
        await platform.queues.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
      },
    },
  ];
  let port: number | null = null;
  let internalServer: Server | null = null;
  if (mode === 'server' || mode === 'all') {
    const app = createApp(
      {
        config,
        logger,
        metrics: platform.metrics,
        telemetry: platform.telemetry,
        tenants: container.tenancy.tenants,
        security: container.tenancy.security,
        health: dependencies,
        priority: platform.priority,
      },
      (groups) => {
        for (const module of container.modules) module.routes?.(groups);
      },
    );
    server = await listen(app.callback(), config.server.port, config.server.request_timeout_ms);
    port = (server.address() as AddressInfo).port;
    logger.info({ port }, 'http server listening');
    if (config.server.internal_port > 0) {
      internalServer = await listen(app.callback(), config.server.internal_port, config.server.request_timeout_ms);
      logger.info({ port: config.server.internal_port }, 'internal API listening');
    }
  }

  let workers: ListenerServer | null = null;
  const tasks: BackgroundTask[] = [];
  if (server) {
    // Queue depth gauges live where /metrics is served.
    const sampler = queueDepthSampler(container.operations.deadLetters, platform.metrics, config.monitoring.queue_depth_interval_ms, logger);
    sampler.start();
    tasks.push(sampler);
  }
  if (mode === 'worker' || mode === 'all') {
    const { tenants } = container.tenancy;
    const handlers = new HandlerGroup((tenantId, sellerId) => tenants.sellerScopeFor(tenantScope(tenantId), sellerId), platform.priority);
    for (const module of container.modules) module.handlers?.(handlers);
    workers = new ListenerServer(
      handlers.list(),
      config,
      { queues: platform.queues, logger, telemetry: platform.telemetry, metrics: platform.metrics, dependencies: new DependencyWatch([...dependencies, dynamoProbe(platform.dynamo, config)], logger) },
      options.waitTimeSeconds === undefined ? {} : { waitTimeSeconds: options.waitTimeSeconds },
    );
    await workers.start();
    for (const task of container.modules.flatMap((m) => m.background ?? [])) {
      task.start();
      tasks.push(task);
    }
  }

  // Last, so a process whose metrics port answers is fully up (what the bench waits for).
  let metricsServer: MetricsServer | null = null;
  if (config.monitoring.metrics_port > 0) {
    metricsServer = await serveMetrics(platform.metrics.registry, config.monitoring.metrics_port);
    logger.info({ port: metricsServer.port }, 'metrics listening');
  }

  let stopping: Promise<void> | null = null;
  return {
    container,
    port,
    workers,
    stop() {
      stopping ??= (async () => {
        const timeout = config.server.shutdown_timeout_ms;
        // Stop taking new work first, then let in-flight requests and messages finish.
        const httpServers = [server, internalServer].filter((s): s is Server => s !== null);
        const closing = Promise.all(httpServers.map((s) => new Promise<void>((r) => s.close(() => r()))));
        for (const s of httpServers) s.closeIdleConnections();
        await Promise.all([workers?.stop(timeout - 2000), ...tasks.map((t) => t.stop()), closing, metricsServer?.stop()]);
        await platform.close();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}

async function listen(handler: RequestListener, port: number, requestTimeoutMs: number): Promise<Server> {
  const server = createServer(handler);
  server.requestTimeout = requestTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
    server.listen(port, '0.0.0.0');
  });
  return server;
}

/** Handlers also need DynamoDB (idempotency, effect ledger): a paused worker waits for it too. */
function dynamoProbe(dynamo: DynamoDBClient, config: Config): { name: string; check(): Promise<void> } {
  const table = `${config.aws.dynamodb.table_prefix}${TABLES.idempotency.name}`;
  return { name: 'dynamodb', check: async () => void (await dynamo.send(new DescribeTableCommand({ TableName: table }))) };
}
