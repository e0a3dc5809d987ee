import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type PrivateStack } from './private-stack.js';

/**
 * The OMS as separate processes, the way it is deployed: `single` is one `all` process (API and
 * workers), `production` one `server` and two `worker` processes. Each is started with
 * OMS_MONITORING__METRICS_PORT so the bench can read its counters; the server's API also serves
 * /metrics. `dist` runs the build (node dist/cmd/main.js), `tsx` the sources.
 */
export type Shape = 'single' | 'production';
export type Runner = 'dist' | 'tsx';

export interface OmsProcess {
  role: 'all' | 'server' | 'worker';
  pid: number;
  metricsUrl: string;
}

export interface OmsCluster {
  baseUrl: string;
  processes: OmsProcess[];
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function waitUntilAnswers(url: string, child: ChildProcess, logFile: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`OMS process exited (${child.exitCode}) at start:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`OMS process did not answer ${url} within ${timeoutMs / 1000}s; see ${logFile}`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startShape(shape: Shape, stack: PrivateStack, runner: Runner): Promise<OmsCluster> {
  const logs = mkdtempSync(join(tmpdir(), 'oms-bench-logs-'));
  const children: ChildProcess[] = [];
  const processes: OmsProcess[] = [];
  // OMS_BENCH_CPU_PROF_DIR=dir: each OMS process writes a V8 CPU profile there when it exits (open it in Chrome DevTools).
  const profileDir = process.env.OMS_BENCH_CPU_PROF_DIR;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const entry = [...profile, ...(runner === 'dist' ? ['dist/cmd/main.js'] : ['--import', 'tsx', 'cmd/main.ts'])];
  const launch = async (role: OmsProcess['role'], index: number): Promise<{ metricsUrl: string; apiPort: number }> => {
    const [apiPort, metricsPort] = [await freePort(), await freePort()];
    const logFile = join(logs, `${role}-${index}.log`);
    const out = createWriteStream(logFile);
    const child = spawn(process.execPath, [...entry, role], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...stack.env,
        PORT: String(apiPort),
        OMS_MONITORING__METRICS_PORT: String(metricsPort),
        LOG_LEVEL: 'warn',
        // The dev WMS simulator would move approved orders on by itself; the lifecycle flow plays the WMS.
        OMS_DEV__WMS_SIMULATOR: 'false',
      },
    });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    children.push(child);
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    await waitUntilAnswers(metricsUrl, child, logFile);
    processes.push({ role, pid: child.pid as number, metricsUrl });
    return { metricsUrl, apiPort };
  };
  try {
    let apiPort: number;
    if (shape === 'single') {
      ({ apiPort } = await launch('all', 0));
    } else {
      ({ apiPort } = await launch('server', 0));
      // One after the other: each creates queues, tables and indexes at start (idempotent).
      await launch('worker', 1);
      await launch('worker', 2);
    }
    return { baseUrl: `http://127.0.0.1:${apiPort}`, processes, stop: async () => void (await Promise.all(children.map(stop))) };
  } catch (err) {
    await Promise.all(children.map(stop));
    throw err;
  }
}
