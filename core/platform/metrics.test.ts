import assert from 'node:assert/strict';
import { GetQueueUrlCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { loadConfig } from '../../configs/config.js';
import { getStack } from '../../test/support/stack.js';
import { createSqsClient } from './aws.js';
import { Metrics } from './metrics.js';
import { serveMetrics } from './metrics-server.js';

/** The value of one labelled counter in a registry (0 when never incremented). */
async function counter(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const hit = metric?.values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  return hit?.value ?? 0;
}

describe('platform: store call counters', () => {
  it('counts MongoDB, Redis and AWS calls where the OMS makes them, by command and operation', async () => {
    const { metrics, mongo, redis, queues } = getStack().oms.container.platform;
    const before = {
      mongo: await counter(metrics, 'oms_mongo_commands_total', { command: 'ping' }),
      mongoFind: await counter(metrics, 'oms_mongo_commands_total', { command: 'find', collection: 'metrics_probe' }),
      redis: await counter(metrics, 'oms_redis_commands_total', { command: 'ping' }),
      sqs: await counter(metrics, 'oms_aws_calls_total', { service: 'sqs', operation: 'GetQueueUrl' }),
    };
    await mongo.db.command({ ping: 1 });
    await mongo.db.collection('metrics_probe').findOne({ tenant_id: 'nobody' });
    await redis.ping();
    await redis.ping();
    await queues.sqs.send(new GetQueueUrlCommand({ QueueName: queues.name('createOrder') }));
    assert.equal(await counter(metrics, 'oms_mongo_commands_total', { command: 'ping' }), before.mongo + 1);
    // By collection too (the bench's per-collection rows); a command on the database itself is `-`.
    assert.equal(await counter(metrics, 'oms_mongo_commands_total', { command: 'find', collection: 'metrics_probe' }), before.mongoFind + 1);
    assert.equal(await counter(metrics, 'oms_mongo_commands_total', { command: 'ping', collection: '-' }) >= 1, true);
    assert.equal(await counter(metrics, 'oms_redis_commands_total', { command: 'ping' }), before.redis + 2);
    assert.equal(await counter(metrics, 'oms_aws_calls_total', { service: 'sqs', operation: 'GetQueueUrl' }), before.sqs + 1);
  });

  it('counts every attempt of an AWS call that fails and is retried', async () => {
    const metrics = new Metrics(false);
    // Nothing listens on port 9 (discard) here: each attempt is refused at once.
    const config = loadConfig({}, {});
    const sqs = createSqsClient({ ...config.aws, sqs: { ...config.aws.sqs, endpoint: 'http://127.0.0.1:9' } }, metrics.awsCalls);
    await assert.rejects(sqs.send(new ListQueuesCommand({})));
    sqs.destroy();
    assert.equal(await counter(metrics, 'oms_aws_calls_total', { service: 'sqs', operation: 'ListQueues' }), 3);
  });

  it('serves /metrics on a port of its own (worker processes) and nothing else there', async () => {
    const metrics = new Metrics(false);
    metrics.mongoCommands.inc({ command: 'insert' });
    const server = await serveMetrics(metrics.registry, 0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^oms_mongo_commands_total\{command="insert"\} 1$/m);
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/`)).status, 404);
    } finally {
      await server.stop();
    }
  });
});
