import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * The one place that reads process.env. Defaults come from configs/defaults.yaml; the usual
 * environment variables (ENV_OVERRIDES) and any `OMS_<SECTION>__<KEY>` variable (e.g. OMS_WORKERS__CREATE_ORDER__WORKER_COUNT=4) override them.
 * The result is validated and deeply frozen; a bad value stops the process with its key named.
 */

const listener = z.object({
  enabled: z.boolean(),
  worker_count: z.number().int().min(1).max(64),
  concurrency_per_worker: z.number().int().min(1).max(100),
});

/** An HTTP notification provider (SMS, push): POST JSON to `url` with a bearer token. Empty url: logged only. */
const httpProvider = z.object({
  url: z.string().url().or(z.literal('')),
  token: z.string(),
  timeout_ms: z.number().int().positive(),
});

const weight = z.number().min(0).max(1);
const port = z.number().int().min(1).max(65535);

export const ConfigSchema = z.object({
  service: z.object({
    name: z.string().min(1),
    env: z.enum(['development', 'test', 'production']),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
  server: z.object({
    port: z.number().int().min(0).max(65535),
    request_timeout_ms: z.number().int().positive(),
    body_limit: z.string().regex(/^\d+(kb|mb)$/),
    shutdown_timeout_ms: z.number().int().positive().max(60000),
    internal_token: z.string().min(8),
    json_max_depth: z.number().int().min(2).max(256),
    /** >0: the internal API (and /metrics) answers only on this port, which the server also listens on. */
    internal_port: z.number().int().min(0).max(65535),
  }),
  auth: z.object({
    jwt: z.object({
      jwks_url: z.string().url().or(z.literal('')),
      public_key: z.string(),
      algorithms: z.array(z.string().min(1)).min(1),
      issuer: z.string(),
      audience: z.string(),
      tenant_claim: z.string().min(1),
      seller_claim: z.string().min(1),
      roles_claim: z.string().min(1),
    }),
    rate_limit: z.object({
      enabled: z.boolean(),
      ip_per_minute: z.number().int().min(1),
      key_per_minute: z.number().int().min(1),
      tenant_per_minute: z.number().int().min(1),
    }),
  }),
  mongodb: z.object({
    uri: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URI'),
    database: z.string().regex(/^[A-Za-z0-9_-]+$/),
    max_pool_size: z.number().int().positive(),
    min_pool_size: z.number().int().min(0),
    server_selection_timeout_ms: z.number().int().positive(),
  }),
  redis: z.object({
    url: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL'),
    key_prefix: z.string(),
  }),
  aws: z.object({
    region: z.string().min(1),
    access_key_id: z.string(),
    secret_access_key: z.string(),
    sqs: z.object({
      endpoint: z.string().url().or(z.literal('')),
      queue_prefix: z.string().regex(/^[A-Za-z0-9_-]*$/),
      max_receive_count: z.number().int().min(1).max(1000),
    }),
    sns: z.object({
      /** Empty: the SQS endpoint (fauxqs and LocalStack serve both), or AWS when that is empty too. */
      endpoint: z.string().url().or(z.literal('')),
      /** Set in production (no CreateTopic permission needed); empty: resolved by name at start. */
      events_topic_arn: z.string().regex(/^(arn:aws[\w-]*:sns:[\w-]+:\d+:[\w-]+)?$/, 'must be an SNS topic ARN'),
    }),
    dynamodb: z.object({
      endpoint: z.string().url().or(z.literal('')),
      table_prefix: z.string().regex(/^[A-Za-z0-9_.-]*$/),
    }),
  }),
  workers: z.object({
    create_order: listener,
    hub_routing: listener,
    /** The bulk lane (ADR 0016): orders from bulk jobs and backfills, on slots the interactive lane keeps. */
    hub_routing_bulk: listener,
    approve_on_hold: listener,
    shipment: listener,
    inventory: listener,
    order_updates: listener,
    bulk_action: listener,
  }),
  /** Interactive work before bulk work in each process (core/platform/priority-gate.ts, ADR 0016 amendment). */
  priority: z.object({
    enabled: z.boolean(),
    linger_ms: z.number().int().min(0).max(10_000),
    /** Bulk's minimum rate while interactive work never stops: one start per interval. */
    bulk_interval_ms: z.number().int().min(1).max(10_000),
  }),
  order: z.object({
    auto_approval: z.boolean(),
    bulk_batch_size: z.number().int().min(1).max(1000),
    /** Items of a bulk job run this many at a time (each waits at the priority gate first). */
    bulk_concurrency: z.number().int().min(1).max(64),
    bulk_max_items: z.number().int().min(1).max(100000),
    edit_lock_ttl_ms: z.number().int().min(100),
    outbox_sweep_interval_ms: z.number().int().min(50),
    outbox_sweep_min_age_ms: z.number().int().min(0),
    outbox_full_sweep_every_ms: z.number().int().min(100),
    number_block_size: z.number().int().min(1).max(10000),
    ship_by_sla_hours: z.number().min(1).max(24 * 90),
  }),
  inventory: z.object({
    low_stock_threshold: z.number().int().min(0),
    transfer_recovery_interval_ms: z.number().int().min(100),
    transfer_recovery_grace_ms: z.number().int().min(1000),
  }),
  hub: z.object({
    routing_enabled: z.boolean(),
    capacity_check: z.boolean(),
    proximity_weight: weight,
    performance_weight: weight,
    /** Every held order of every seller is re-evaluated this often, and at each UTC day change (capacity resets). */
    hold_sweep_interval_ms: z.number().int().min(1000),
    /** How often what cancelled orders still hold (a routing that died after reserving) is given back. */
    cancelled_holds_sweep_interval_ms: z.number().int().min(1000),
  }),
  payment: z.object({
    /** Default of the tenant setting payment.reservation_timeout_s: a prepaid order unpaid this long is released. */
    reservation_timeout_s: z.number().int().min(1),
    /** How often the unpaid-order sweep runs (per worker process; conditional updates make it safe). */
    timeout_sweep_interval_ms: z.number().int().min(50),
  }),
  invoice: z.object({
    create_on: z.enum(['shipped', 'packed']),
    tax_rate: z.number().min(0).max(1),
  }),
  effects: z.object({
    max_attempts: z.number().int().min(1).max(100),
    retry_base_delay_ms: z.number().int().min(10),
    retry_max_delay_ms: z.number().int().min(10),
    sweep_interval_ms: z.number().int().min(50),
  }),
  /** The outgoing event stream (the oms-events topic; docs/adr/0014). */
  events: z.object({
    /** Publishes an event may fail for a reason SNS calls permanent before it is parked. */
    max_publish_attempts: z.number().int().min(1).max(100),
    /**
     * Test hook: an event whose data (beyond the order state) contains this text is refused as
     * SNS refuses an invalid message. Empty (always, outside tests): off.
     */
    refuse_marker: z.string(),
  }),
  webhooks: z.object({
    /** Seals endpoint signing secrets at rest (AES-256-GCM); the OMS must sign, so it must read them back. */
    secrets_key: z.string().min(16),
    dispatch_interval_ms: z.number().int().min(50),
    /** Deliveries claimed per tenant per pass (sent concurrently, one per endpoint and order at a time). */
    batch_size: z.number().int().min(1).max(500),
    timeout_ms: z.number().int().min(100).max(60_000),
    /** A claimed delivery whose sender died is taken over after this long. */
    lease_ms: z.number().int().min(1000),
    max_attempts: z.number().int().min(1).max(1000),
    /** Retries of one delivery stop (it is parked) once this long passed since it was recorded or replayed. */
    retry_window_ms: z.number().int().min(1000),
    retry_base_delay_ms: z.number().int().min(10),
    retry_max_delay_ms: z.number().int().min(10),
    /** Consecutive failed attempts (no success in between) after which an endpoint is disabled. */
    disable_after_failures: z.number().int().min(1),
    max_endpoints_per_seller: z.number().int().min(1).max(1000),
    /** SSRF guard: what an endpoint URL may be and resolve to (production: https, public addresses only). */
    allow_http: z.boolean(),
    allow_loopback: z.boolean(),
    allow_private: z.boolean(),
  }),
  courier: z.object({
    webhook_secret: z.string().min(8),
    /** auto: the old X-Signature path is accepted unless service.env is production. */
    legacy_signature: z.enum(['auto', 'on', 'off']),
    secrets_key: z.string().min(16),
    tolerance_s: z.number().int().min(1).max(3600),
    max_scan_age_hours: z.number().min(1),
    /** Courier booking (core/courier, docs/adr/0011). */
    booking: z.object({
      timeout_ms: z.number().int().positive(),
      retries: z.number().int().min(0).max(10),
      retry_base_ms: z.number().int().min(1),
      retry_max_ms: z.number().int().min(1),
      lease_ms: z.number().int().min(100),
      sweep_interval_ms: z.number().int().min(50),
      breaker: z.object({
        error_threshold_percentage: z.number().min(1).max(100),
        volume_threshold: z.number().int().min(1),
        reset_timeout_ms: z.number().int().min(100),
      }),
    }),
  }),
  /** SLA clocks (core/sla, docs/adr/0012). */
  sla: z.object({
    sweep_interval_ms: z.number().int().min(50),
    batch_size: z.number().int().min(1).max(10000),
  }),
  sales_channel: z.object({
    base_url: z.string().url().or(z.literal('')),
    timeout_ms: z.number().int().positive(),
    retries: z.number().int().min(0).max(10),
  }),
  wms: z.object({
    base_url: z.string().url().or(z.literal('')),
    timeout_ms: z.number().int().positive(),
    retries: z.number().int().min(0).max(10),
  }),
  pusher: z.object({
    enabled: z.boolean(),
    app_id: z.string(),
    key: z.string(),
    secret: z.string(),
    host: z.string(),
    port: z.number().int().min(0).max(65535),
    use_tls: z.boolean(),
    cluster: z.string(),
  }),
  notifications: z.object({
    email: z.object({
      /** Empty: e-mails are logged, not sent (dev mode points it at the local SMTP sink). */
      host: z.string(),
      port: port,
      /** true: TLS from the start (port 465); false: STARTTLS when the server offers it. */
      secure: z.boolean(),
      user: z.string(),
      pass: z.string(),
      from: z.string().min(3),
      timeout_ms: z.number().int().positive(),
    }),
    sms: httpProvider,
    push: httpProvider,
  }),
  newrelic: z.object({
    enabled: z.boolean(),
    app_name: z.string().min(1),
    license_key: z.string(),
  }),
  monitoring: z.object({ metrics_enabled: z.boolean(), queue_depth_interval_ms: z.number().int().min(100), metrics_port: z.number().int().min(0).max(65535) }),
  dev: z.object({
    wms_simulator: z.boolean(),
    wms_step_ms: z.number().int().min(10),
  }),
  localstack: z.object({
    data_dir: z.string().min(1),
    ferretdb_port: port,
    ferretdb_backend: z.enum(['auto', 'sqlite', 'postgresql']),
    postgresql_url: z.string().regex(/^postgres(ql)?:\/\//),
    redis_port: port,
    sqs_port: port,
    dynamodb_port: port,
    pusher_port: port,
    smtp_port: port,
    notify_port: port,
  }),
});

type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
export type Config = DeepReadonly<z.infer<typeof ConfigSchema>>;
export type ListenerName = keyof Config['workers'];

/** The usual variables, mapped onto config paths. */
const ENV_OVERRIDES: Record<string, string> = {
  PORT: 'server.port',
  LOG_LEVEL: 'service.log_level',
  OMS_ENV: 'service.env',
  MONGODB_URI: 'mongodb.uri',
  MONGODB_DATABASE: 'mongodb.database',
  REDIS_URL: 'redis.url',
  AWS_REGION: 'aws.region',
  AWS_ACCESS_KEY_ID: 'aws.access_key_id',
  AWS_SECRET_ACCESS_KEY: 'aws.secret_access_key',
  AWS_ENDPOINT_URL_SQS: 'aws.sqs.endpoint',
  AWS_ENDPOINT_URL_DYNAMODB: 'aws.dynamodb.endpoint',
  AWS_ENDPOINT_URL_SNS: 'aws.sns.endpoint',
  OMS_EVENTS_TOPIC_ARN: 'aws.sns.events_topic_arn',
  OMS_INTERNAL_TOKEN: 'server.internal_token',
  COURIER_WEBHOOK_SECRET: 'courier.webhook_secret',
  COURIER_SECRETS_KEY: 'courier.secrets_key',
  WEBHOOK_SECRETS_KEY: 'webhooks.secrets_key',
  OMS_JWT_JWKS_URL: 'auth.jwt.jwks_url',
  OMS_JWT_PUBLIC_KEY: 'auth.jwt.public_key',
  PUSHER_APP_ID: 'pusher.app_id',
  PUSHER_KEY: 'pusher.key',
  PUSHER_SECRET: 'pusher.secret',
  PUSHER_HOST: 'pusher.host',
  PUSHER_PORT: 'pusher.port',
  PUSHER_CLUSTER: 'pusher.cluster',
  SMTP_HOST: 'notifications.email.host',
  SMTP_PORT: 'notifications.email.port',
  SMTP_USER: 'notifications.email.user',
  SMTP_PASS: 'notifications.email.pass',
  SMTP_FROM: 'notifications.email.from',
  SMS_PROVIDER_URL: 'notifications.sms.url',
  SMS_PROVIDER_TOKEN: 'notifications.sms.token',
  PUSH_PROVIDER_URL: 'notifications.push.url',
  PUSH_PROVIDER_TOKEN: 'notifications.push.token',
  NEW_RELIC_LICENSE_KEY: 'newrelic.license_key',
  NEW_RELIC_ENABLED: 'newrelic.enabled',
  NEW_RELIC_APP_NAME: 'newrelic.app_name',
  OMS_FERRETDB_BACKEND: 'localstack.ferretdb_backend',
};

const GENERIC_PREFIX = 'OMS_';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Tree = Record<string, unknown>;

function readDefaults(): Tree {
  const file = fileURLToPath(new URL('../../configs/defaults.yaml', import.meta.url));
  const fallback = fileURLToPath(new URL('./defaults.yaml', import.meta.url));
  for (const path of [fallback, file]) {
    try {
      return parseYaml(readFileSync(path, 'utf8')) as Tree;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new ConfigError(['configs/defaults.yaml not found']);
}

/** Environment strings take the type of the default they replace, so "8082" stays a number. */
function coerce(raw: string, current: unknown, key: string, problems: string[]): unknown {
  if (typeof current === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || Number.isNaN(n)) problems.push(`${key}: expected a number, got "${raw}"`);
    return n;
  }
  if (typeof current === 'boolean') {
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    problems.push(`${key}: expected true or false, got "${raw}"`);
    return raw;
  }
  return raw;
}

function setPath(tree: Tree, path: string, raw: string, envName: string, problems: string[]): void {
  const parts = path.split('.');
  let node: Tree = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) {
      problems.push(`${envName}: unknown configuration key "${path}"`);
      return;
    }
    node = next as Tree;
  }
  const leaf = parts[parts.length - 1] as string;
  if (!(leaf in node)) {
    problems.push(`${envName}: unknown configuration key "${path}"`);
    return;
  }
  node[leaf] = coerce(raw, node[leaf], envName, problems);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Builds the configuration from defaults, `env` and explicit overrides (used by tests and dev mode). */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Record<string, string | number | boolean> = {},
): Config {
  const tree = readDefaults();
  const problems: string[] = [];
  for (const [name, path] of Object.entries(ENV_OVERRIDES)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') setPath(tree, path, raw, name, problems);
  }
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(GENERIC_PREFIX) || !name.includes('__') || raw === undefined) continue;
    const path = name.slice(GENERIC_PREFIX.length).toLowerCase().split('__').join('.');
    setPath(tree, path, raw, name, problems);
  }
  for (const [path, value] of Object.entries(overrides)) {
    setPath(tree, path, String(value), path, problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const parsed = ConfigSchema.safeParse(tree);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return deepFreeze(parsed.data);
}

/** A copy of `config` with some paths replaced; the original stays frozen. */
export function withOverrides(config: Config, overrides: Record<string, unknown>): Config {
  const tree = structuredClone(config) as unknown as Tree;
  for (const [path, value] of Object.entries(overrides)) {
    const parts = path.split('.');
    let node = tree;
    for (const part of parts.slice(0, -1)) node = node[part] as Tree;
    node[parts[parts.length - 1] as string] = value;
  }
  return deepFreeze(ConfigSchema.parse(tree));
}

/** Which stores the environment points at explicitly; dev mode starts only the others. */
export function explicitEndpoints(env: NodeJS.ProcessEnv = process.env): { mongo: boolean; redis: boolean; sqs: boolean; dynamo: boolean; pusher: boolean } {
  const set = (name: string) => env[name] !== undefined && env[name] !== '';
  return {
    mongo: set('MONGODB_URI'),
    redis: set('REDIS_URL'),
    sqs: set('AWS_ENDPOINT_URL_SQS') || set('AWS_ENDPOINT_URL'),
    dynamo: set('AWS_ENDPOINT_URL_DYNAMODB') || set('AWS_ENDPOINT_URL'),
    pusher: set('PUSHER_HOST'),
  };
}
