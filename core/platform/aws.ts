import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from '../../configs/config.js';

/**
 * AWS clients. Local emulators (fauxqs, dynalite, LocalStack) get an explicit endpoint: fauxqs
 * queue URLs name a `*.localhost` host, so requests must not be routed by the queue URL's host.
 */
export function createSqsClient(config: Config['aws']): SQSClient {
  return new SQSClient({
    region: config.region,
    ...(config.sqs.endpoint ? { endpoint: config.sqs.endpoint, credentials: staticCredentials(config) } : {}),
    maxAttempts: 3,
  });
}

export function createDynamoClient(config: Config['aws']): DynamoDBClient {
  return new DynamoDBClient({
    region: config.region,
    ...(config.dynamodb.endpoint ? { endpoint: config.dynamodb.endpoint, credentials: staticCredentials(config) } : {}),
    maxAttempts: 3,
  });
}

function staticCredentials(config: Config['aws']): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: config.access_key_id || 'local', secretAccessKey: config.secret_access_key || 'local' };
}
