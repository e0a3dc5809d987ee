import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Counter } from 'prom-client';
import type { Config } from '../../configs/config.js';

type CallCounter = Counter<'service' | 'operation'>;

/**
 * AWS clients. Local emulators (fauxqs, dynalite, LocalStack) get an explicit endpoint: fauxqs
 * queue URLs name a `*.localhost` host, so requests must not be routed by the queue URL's host.
 */
export function createSqsClient(config: Config['aws'], calls?: CallCounter): SQSClient {
  const client = new SQSClient({
    region: config.region,
    ...(config.sqs.endpoint ? { endpoint: config.sqs.endpoint, credentials: staticCredentials(config) } : {}),
    maxAttempts: 3,
    // No call hangs on an SQS that went away: a connection is made within 3 s, and an answer
    // comes within 30 s (above the 20 s long poll).
    requestHandler: { connectionTimeout: 3000, requestTimeout: 30_000, throwOnRequestTimeout: true },
  });
  if (calls) countCalls(client, 'sqs', calls);
  return client;
}

/** SNS (the `oms-events` topic). Without an SNS endpoint of its own it uses the SQS one: fauxqs and LocalStack serve both. */
export function createSnsClient(config: Config['aws'], calls?: CallCounter): SNSClient {
  const endpoint = config.sns.endpoint || config.sqs.endpoint;
  const client = new SNSClient({
    region: config.region,
    ...(endpoint ? { endpoint, credentials: staticCredentials(config) } : {}),
    maxAttempts: 3,
  });
  if (calls) countCalls(client, 'sns', calls);
  return client;
}

export function createDynamoClient(config: Config['aws'], calls?: CallCounter): DynamoDBClient {
  const client = new DynamoDBClient({
    region: config.region,
    ...(config.dynamodb.endpoint ? { endpoint: config.dynamodb.endpoint, credentials: staticCredentials(config) } : {}),
    maxAttempts: 3,
  });
  if (calls) countCalls(client, 'dynamodb', calls);
  return client;
}

/**
 * Counts each request sent: the deserialize step runs inside the SDK's retry loop, so a retried
 * call counts once per attempt, as AWS bills and the emulators see it.
 */
function countCalls(client: SQSClient | SNSClient | DynamoDBClient, service: string, calls: CallCounter): void {
  (client as SQSClient).middlewareStack.add(
    (next, context) => (args) => {
      calls.inc({ service, operation: (context.commandName ?? 'unknown').replace(/Command$/, '') });
      return next(args);
    },
    { step: 'deserialize', name: 'omsCallCounter' },
  );
}

function staticCredentials(config: Config['aws']): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: config.access_key_id || 'local', secretAccessKey: config.secret_access_key || 'local' };
}
