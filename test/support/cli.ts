import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../configs/config.js';
import { getStack } from './stack.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = `${ROOT}dist/cmd/main.js`;

/** Builds dist/ (npm run build) once per run, so the tests run the command operators run. */
let built = false;
export function buildOnce(): void {
  if (built) return;
  const res = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
  if (res.status !== 0 || !existsSync(BIN)) throw new Error(`npm run build failed: ${res.stdout}${res.stderr}`);
  if (Date.now() - statSync(BIN).mtimeMs > 60_000) throw new Error(`${BIN} was not rebuilt`);
  built = true;
}

/** The environment that points the command at the test stack: the configuration the service reads. */
export function cliEnv(config: Config = getStack().config, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OMS_') && !/^(MONGODB|REDIS|AWS|PUSHER)_/.test(k)));
  return {
    ...keep,
    // On Node 20 the AWS SDK warns on stderr that its 2027 releases need Node 22 (README: Node
    // versions); that notice is not the command's answer, which these tests read line by line.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LOG_LEVEL: 'warn',
    MONGODB_URI: config.mongodb.uri,
    MONGODB_DATABASE: config.mongodb.database,
    REDIS_URL: config.redis.url,
    OMS_REDIS__KEY_PREFIX: config.redis.key_prefix,
    AWS_ENDPOINT_URL_SQS: config.aws.sqs.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: config.aws.dynamodb.endpoint,
    OMS_AWS__SQS__MAX_RECEIVE_COUNT: String(config.aws.sqs.max_receive_count),
    ...extra,
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cmd/main.js ...args` as a child process and collects its output. */
export function oms(args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 45_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv(undefined, extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`oms ${args.join(' ')} did not finish in ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a command that prints JSON and returns it parsed (failing the test on a non-zero exit). */
export async function omsJson<T = any>(args: string[]): Promise<T> {
  const res = await oms(['--json', ...args]);
  if (res.code !== 0) throw new Error(`oms ${args.join(' ')} exited ${res.code}: ${res.stderr}${res.stdout}`);
  return JSON.parse(res.stdout) as T;
}

/** Starts a long-running command (events tail); the caller reads `lines` and stops it. */
export function omsFollow(args: string[]): { lines: string[]; stderr: () => string; stop(): Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    buffer += c.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const closed = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return {
    lines,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await closed;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * For suites that run the OMS (or its command) as child processes from dist/, most on private
 * stacks: the slowest files. PROCESS_TESTS=0 leaves them out; .ci/run does so on the machine's
 * Node 20 (end of life) and runs them on Node 24 LTS, the runtime production uses, to keep both
 * runs within the 20-minute budget. `npm test` runs them by default.
 */
export const describeProcesses: Mocha.SuiteFunction = process.env.PROCESS_TESTS === '0' ? (describe.skip as Mocha.SuiteFunction) : describe;
