import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics served at GET /metrics. One registry per process (tests make their own). */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'oms_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'oms_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly messages = new Counter({
    name: 'oms_queue_messages_total',
    help: 'Queue messages handled by listener and outcome (ok, retry, dead_lettered)',
    labelNames: ['listener', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly messageDuration = new Histogram({
    name: 'oms_queue_message_duration_seconds',
    help: 'Queue message handling duration',
    labelNames: ['listener'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly domainEvents = new Counter({
    name: 'oms_domain_events_total',
    help: 'Business events (orders created, reserved, held, shipped...)',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  readonly eventsParked = new Counter({
    name: 'oms_events_parked_total',
    help: 'Outgoing events parked after the topic refused them for good (or a follow-up failed for good) max_publish_attempts times',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  readonly effects = new Counter({
    name: 'oms_effects_total',
    help: 'Attempts at the effects of events (push, notifications): sent, pending (to be retried), parked',
    labelNames: ['effect', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Sampled by a background task (core/operations/queue-depth.sampler.ts), not per scrape. */
  readonly queueDepth = new Gauge({
    name: 'oms_queue_messages',
    help: 'Messages in each source queue by state (visible, in_flight, delayed), as last sampled',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  readonly dlqDepth = new Gauge({
    name: 'oms_dlq_messages',
    help: "Messages in each queue's dead-letter queue, as last sampled",
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  readonly queueDepthSampledAt = new Gauge({
    name: 'oms_queue_depth_sampled_timestamp_seconds',
    help: 'When queue depths were last sampled successfully (alert when it stops moving)',
    registers: [this.registry],
  });

  /** Labelled by rule name only (not tenant): names are few per tenant and built-ins share theirs. */
  readonly ruleFirings = new Counter({
    name: 'oms_rule_firings_total',
    help: 'Rule firings recorded on order timelines, by rule name',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });

  // Store round trips per order are watched by `npm run bench -- per-order`; these count every
  // command where it is issued (hooks in mongo.ts, redis.ts, aws.ts), always on.
  readonly mongoCommands = new Counter({
    name: 'oms_mongo_commands_total',
    help: 'MongoDB commands sent by this process, by command name and collection (driver command monitoring)',
    labelNames: ['command', 'collection'] as const,
    registers: [this.registry],
  });

  readonly redisCommands = new Counter({
    name: 'oms_redis_commands_total',
    help: 'Redis commands sent by this process, by command name (ioredis diagnostics channel)',
    labelNames: ['command'] as const,
    registers: [this.registry],
  });

  readonly awsCalls = new Counter({
    name: 'oms_aws_calls_total',
    help: 'AWS API requests sent by this process (each attempt), by service and operation',
    labelNames: ['service', 'operation'] as const,
    registers: [this.registry],
  });

  // The priority gate between interactive and bulk work (core/platform/priority-gate.ts, ADR 0016).
  readonly bulkWaits = new Counter({
    name: 'oms_bulk_waits_total',
    help: 'Bulk starts (bulk-job items, bulk-lane messages) by kind and how they were let through: none (no wait), after_interactive, paced',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly bulkWaitSeconds = new Histogram({
    name: 'oms_bulk_wait_seconds',
    help: 'How long a bulk start waited for interactive work (only starts that waited)',
    labelNames: ['kind'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly interactiveInFlight = new Gauge({
    name: 'oms_interactive_in_flight',
    help: 'Interactive work (API writes, interactive-lane messages) in flight in this process',
    registers: [this.registry],
  });

  readonly interactiveWork = new Counter({
    name: 'oms_interactive_work_total',
    help: 'Interactive work that marked itself in flight, by kind (api, interactive_lane)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor(collectDefaults = true) {
    if (collectDefaults) collectDefaultMetrics({ register: this.registry, prefix: 'oms_' });
  }
}
