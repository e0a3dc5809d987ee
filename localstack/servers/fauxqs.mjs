// Runs fauxqs (SQS emulator) on the given port (0: any free one) until killed, or, with
// --with-parent, until the parent closes our stdin (it exited). Used by localstack/embedded.ts.
import { startFauxqs } from 'fauxqs';

const port = Number(process.argv[2] ?? 4566);
const server = await startFauxqs({ port, host: '127.0.0.1', logger: false });
console.log(`fauxqs listening on ${server.address}`);
const stop = () => server.stop().finally(() => process.exit(0));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, stop);
if (process.argv.includes('--with-parent')) process.stdin.on('end', stop).resume();
