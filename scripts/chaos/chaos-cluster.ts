import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../bench/per-order/private-stack.js';
import type { ChaosStack } from './chaos-stack.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Member {
  role: 'server' | 'worker' | 'all';
  index: number;
  child: ChildProcess;
  metricsPort: number;
  apiPort: number;
  logFile: string;
  ready: boolean;
}

/**
 * The OMS in its production shape, from dist/: one `server` and two `worker` processes, each a
 * separate OS process. A worker can be killed with SIGKILL (no shutdown hook runs: messages in
 * flight stay invisible until their visibility timeout, claims stay held) and started again.
 */
export class ChaosCluster {
  readonly logs = mkdtempSync(join(tmpdir(), 'oms-chaos-logs-'));
  private readonly members: Member[] = [];
  private starts = 0;

  constructor(
    private readonly stack: ChaosStack,
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.members.find((m) => m.role !== 'worker')!.apiPort}`;
  }

  get workers(): number {
    return this.members.filter((m) => m.role === 'worker').length;
  }

  /** `single`: one `all` process (API and workers), for tests of one process's behaviour. */
  async start(shape: 'production' | 'single' = 'production'): Promise<void> {
    if (shape === 'single') return this.launch('all', 0);
    await this.launch('server', 0);
    // One after the other: each creates queues, tables and indexes at start (idempotent).
    await this.launch('worker', 1);
    await this.launch('worker', 2);
  }

  /** Workers up (started and answering), by index. */
  readyWorkers(): number[] {
    return this.members.filter((m) => m.role === 'worker' && m.ready).map((m) => m.index);
  }

  /**
   * kill -9 of worker `index` (1 or 2); it is started again at once, and the returned promise
   * settles when it answers (the next kill need not wait for it: the other worker may be next).
   */
  async killWorker(index: number): Promise<{ restarted: Promise<void> }> {
    const at = this.members.findIndex((m) => m.role === 'worker' && m.index === index);
    const member = this.members[at]!;
    await signal(member.child, 'SIGKILL');
    this.members.splice(at, 1);
    return { restarted: this.launch('worker', index) };
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => signal(m.child, 'SIGTERM', 30_000)));
  }

  private async launch(role: Member['role'], index: number, attempt = 1): Promise<void> {
    const [apiPort, metricsPort] = [await freePort(), await freePort()];
    const logFile = join(this.logs, `${role}-${index}-${++this.starts}.log`);
    const out = createWriteStream(logFile);
    const child = spawn(process.execPath, ['dist/cmd/main.js', role], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...this.stack.env,
        PORT: String(apiPort),
        OMS_MONITORING__METRICS_PORT: String(metricsPort),
        LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
        // The harness plays the WMS itself.
        OMS_DEV__WMS_SIMULATOR: 'false',
        // What a cancelled order still holds is given back every 10 s instead of every minute, so a
        // run's drain does not wait out the production interval.
        OMS_HUB__CANCELLED_HOLDS_SWEEP_INTERVAL_MS: '10000',
        ...this.extraEnv,
      },
    });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    const member: Member = { role, index, child, metricsPort, apiPort, logFile, ready: false };
    this.members.push(member);
    const url = role !== 'worker' ? `http://127.0.0.1:${apiPort}/health/live` : `http://127.0.0.1:${metricsPort}/metrics`;
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) {
        this.members.splice(this.members.indexOf(member), 1);
        // A dependency being restarted at that moment stops a process at start; a supervisor starts it again.
        if (attempt < 60) {
          await new Promise((r) => setTimeout(r, 1000));
          return this.launch(role, index, attempt + 1);
        }
        throw new Error(`OMS ${role} exited (${child.exitCode}) at start:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
      }
      if (await fetch(url).then((r) => r.ok, () => false)) {
        member.ready = true;
        return;
      }
      if (Date.now() > deadline) throw new Error(`OMS ${role} did not answer ${url} within 120 s; see ${logFile}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function signal(child: ChildProcess, sig: NodeJS.Signals, escalateMs = 0): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = escalateMs > 0 ? setTimeout(() => child.kill('SIGKILL'), escalateMs) : null;
    child.once('exit', () => {
      if (timer) clearTimeout(timer);
      resolve();
    });
    child.kill(sig);
  });
}
