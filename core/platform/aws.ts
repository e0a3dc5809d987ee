import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Counter } from 'prom-client';
import type { Config } from '../../configs/config.js';

type CallCounter = Counter<'service' | 'operation'>;

/**
 * What every client shares. `cacheMiddleware`: a command's middleware chain is built once per
 * command type, not on every call (a profile of the order path found about a seventh of the SDK's
 * CPU in rebuilding and sorting it); nothing here changes a client's stack after its first call.
 * A call made with options (a receive's abort signal) is not cached and drops the client's cache,
 * which is why long polls have a client of their own (`Queues.poller`).
 */
const SHARED = { maxAttempts: 3, cacheMiddleware: true } as const;

/**
 * AWS clients. Local emulators (fauxqs, dynalite, LocalStack) get an explicit endpoint: fauxqs
 * queue URLs name a `*.localhost` host, so requests must not be routed by the queue URL's host.
 */
export function createSqsClient(config: Config['aws'], calls?: CallCounter): SQSClient {
  const client = new SQSClient({
    region: config.region,
    ...(config.sqs.endpoint ? { endpoint: config.sqs.endpoint, credentials: staticCredentials(config) } : {}),
    ...SHARED,
    // No call hangs on an SQS that went away: a connection is made within 3 s, and an answer
    // comes within 30 s (above the 20 s long poll).
    requestHandler: { connectionTimeout: 3000, requestTimeout: 30_000, throwOnRequestTimeout: true },
  });
  return prepare(client, 'sqs', calls);
}

/** SNS (the `oms-events` topic). Without an SNS endpoint of its own it uses the SQS one: fauxqs and LocalStack serve both. */
export function createSnsClient(config: Config['aws'], calls?: CallCounter): SNSClient {
  const endpoint = config.sns.endpoint || config.sqs.endpoint;
  const client = new SNSClient({
    region: config.region,
    ...(endpoint ? { endpoint, credentials: staticCredentials(config) } : {}),
    ...SHARED,
  });
  return prepare(client, 'sns', calls);
}

export function createDynamoClient(config: Config['aws'], calls?: CallCounter): DynamoDBClient {
  const client = new DynamoDBClient({
    region: config.region,
    ...(config.dynamodb.endpoint ? { endpoint: config.dynamodb.endpoint, credentials: staticCredentials(config) } : {}),
    ...SHARED,
  });
  return prepare(client, 'dynamodb', calls);
}

/**
 * Counts the client's calls (and tells its watchers), and takes out the SDK's logger step: the
 * OMS gives the SDK no logger (it logs outcomes itself), yet that step copied every input and
 * output through the schemas' sensitive-field filter on each call, for the no-op logger to drop.
 */
function prepare<C extends SQSClient | SNSClient | DynamoDBClient>(client: C, service: string, calls?: CallCounter): C {
  (client as SQSClient).middlewareStack.remove('loggerMiddleware');
  (client as SQSClient).middlewareStack.add(
    (next, context) => (args) => {
      const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
      calls?.inc({ service, operation });
      for (const watch of watchers.get(client) ?? []) watch({ operation, input: args.input });
      return next(args);
    },
    // The deserialize step runs inside the SDK's retry loop: a retried call counts once per
    // attempt, as AWS bills and the emulators see it.
    { step: 'deserialize', name: 'omsCallCounter' },
  );
  return client;
}

/** One request a client sent: its operation (`SendMessageBatch`) and its input as given. */
export interface AwsCall {
  operation: string;
  input: unknown;
}

const watchers = new WeakMap<object, Set<(call: AwsCall) => void>>();

/**
 * Tells `watch` of every request a client made here sends (each attempt), until the returned stop
 * is called: for diagnostics and tests that check what went out. (A middleware added to a client
 * after its first call never runs: clients cache their middleware chains.)
 */
export function watchCalls(client: SQSClient | SNSClient | DynamoDBClient, watch: (call: AwsCall) => void): () => void {
  const set = watchers.get(client) ?? new Set();
  watchers.set(client, set.add(watch));
  return () => void set.delete(watch);
}

function staticCredentials(config: Config['aws']): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: config.access_key_id || 'local', secretAccessKey: config.secret_access_key || 'local' };
}
