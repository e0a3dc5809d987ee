import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../configs/config.js';
import { ferretDbLauncher, startChildServer } from '../../localstack/embedded.js';
import { ferretDbArgs, freePort, spawnRedis, stackEnv, waitForPort } from '../bench/per-order/private-stack.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NOTIFY_TOKEN = 'chaos-notify-token';

/** The dependencies the chaos run kills and starts again (dynalite and the Pusher receiver stay up). */
export type Restartable = 'ferretdb' | 'redis' | 'sqs';

/**
 * A private local stack whose parts can be killed (-9) and started again on the same port, as a
 * crashed store comes back at the same address: the FerretDB launcher (its data is in its own
 * PostgreSQL database, so it survives), redis-server (empty again: Redis is a cache and lock
 * store here, nothing in it must survive) and the SQS endpoint. fauxqs keeps its queues in memory,
 * so killing it would lose every message, which AWS SQS never does: the SQS endpoint the OMS is
 * given is a TCP front (tcp-proxy.mjs), and that is what is killed and restarted.
 */
export interface ChaosStack {
  env: Record<string, string>;
  mongoUri: string;
  database: string;
  sqsEndpoint: string;
  dynamoEndpoint: string;
  /** Base URL of the Pusher receiver (its deliveries: GET /_events). */
  pusherUrl: string;
  /** Base URL of the SMS and push provider (its deliveries: GET /_messages). */
  notifyUrl: string;
  queuePrefix: string;
  restart(part: Restartable, downMs?: number): Promise<void>;
  /** kill -9 of one part, left down until `start`. */
  kill(part: Restartable): Promise<void>;
  start(part: Restartable): Promise<void>;
  stop(): Promise<void>;
}

interface Managed {
  name: Restartable;
  port: number;
  start(): ChildProcess;
  child: ChildProcess;
}

function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

export async function startChaosStack(log: (m: string) => void = () => undefined): Promise<ChaosStack> {
  const config = loadConfig();
  const { localstack } = config;
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'oms-chaos-'));
  const managed: Managed[] = [];
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const stop = async () => {
    await Promise.all(managed.map((m) => kill(m.child, 'SIGTERM')));
    for (const c of cleanups.reverse()) await c();
  };
  const manage = async (name: Restartable, port: number, start: () => ChildProcess): Promise<Managed> => {
    const m: Managed = { name, port, start, child: start() };
    managed.push(m);
    await waitForPort(name, port, m.child);
    return m;
  };
  try {
    const ferretPort = await freePort();
    const { args, drop } = await ferretDbArgs(localstack, { port: ferretPort, database: `oms_chaos_${runId}`, dir, pool: process.env.CHAOS_PG_POOL ?? '20', log });
    if (drop) cleanups.push(drop);
    const launcher = ferretDbLauncher(log);
    const redisPort = await freePort();
    const sqsPort = await freePort();
    const fauxqs = await startChildServer('fauxqs');
    cleanups.push(() => fauxqs.stop());
    const fauxqsPort = Number(new URL(fauxqs.url).port);
    const dynamo = await startChildServer('dynalite');
    cleanups.push(() => dynamo.stop());
    const pusher = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'chaos', 'pusher-server.ts'), 'chaos-app', 'chaos-key', 'chaos-secret', NOTIFY_TOKEN], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    cleanups.push(() => kill(pusher, 'SIGTERM'));
    const [pusherPort, notifyPort] = await new Promise<[number, number]>((resolve, reject) => {
      let seen = '';
      pusher.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const found = /listening on (\d+), notify receiver on (\d+)/.exec(seen);
        if (found) resolve([Number(found[1]), Number(found[2])]);
      });
      pusher.once('exit', (code) => reject(new Error(`pusher receiver exited (${code}): ${seen}`)));
    });
    pusher.stdout.resume();
    await Promise.all([
      manage('ferretdb', ferretPort, () => spawn(launcher, args, { stdio: 'ignore' })),
      manage('redis', redisPort, () => spawnRedis(redisPort)),
      manage('sqs', sqsPort, () => spawn(process.execPath, [join(ROOT, 'scripts', 'chaos', 'tcp-proxy.mjs'), String(sqsPort), String(fauxqsPort)], { stdio: 'ignore' })),
    ]);
    const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;
    const mongoUri = `mongodb://127.0.0.1:${ferretPort}/`;
    const queuePrefix = config.aws.sqs.queue_prefix;
    const killPart = (part: Restartable) => kill(managed.find((x) => x.name === part)!.child, 'SIGKILL');
    const startPart = async (part: Restartable) => {
      const m = managed.find((x) => x.name === part)!;
      m.child = m.start();
      await waitForPort(part, m.port, m.child);
    };
    return {
      env: {
        ...stackEnv({ mongoUri, database: `oms_chaos_${runId}`, redisPort, sqsEndpoint, dynamoEndpoint: dynamo.url, pusherApp: 'chaos', pusherPort }),
        // SMS and push go to a provider that records them, so the run can check each was sent once.
        SMS_PROVIDER_URL: `http://127.0.0.1:${notifyPort}/sms`,
        SMS_PROVIDER_TOKEN: NOTIFY_TOKEN,
        PUSH_PROVIDER_URL: `http://127.0.0.1:${notifyPort}/push`,
        PUSH_PROVIDER_TOKEN: NOTIFY_TOKEN,
      },
      mongoUri,
      database: `oms_chaos_${runId}`,
      sqsEndpoint,
      dynamoEndpoint: dynamo.url,
      pusherUrl: `http://127.0.0.1:${pusherPort}`,
      notifyUrl: `http://127.0.0.1:${notifyPort}`,
      queuePrefix,
      async restart(part, downMs = 2000) {
        await killPart(part);
        await new Promise((r) => setTimeout(r, downMs));
        await startPart(part);
      },
      kill: killPart,
      start: startPart,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
