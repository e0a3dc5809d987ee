// Runs dynalite (DynamoDB emulator, in memory) on the given port (0: any free one) until killed,
// or, with --with-parent, until the parent closes our stdin (it exited).
import dynalite from 'dynalite';

const port = Number(process.argv[2] ?? 4567);
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(port, '127.0.0.1', () => console.log(`dynalite listening on http://127.0.0.1:${server.address().port}`));
const stop = () => server.close(() => process.exit(0));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, stop);
if (process.argv.includes('--with-parent')) process.stdin.on('end', stop).resume();
