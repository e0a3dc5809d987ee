import { PusherReceiver } from '../../localstack/pusher-receiver.js';

/**
 * The Pusher receiver of a chaos run, in a process of its own: in the harness's process, a busy
 * event loop answered late and the OMS's 3 s Pusher timeout failed pushes that had arrived.
 * Prints its port; its record of deliveries is at GET /_events. Exits when stdin closes (the harness did).
 */
const [appId, key, secret] = process.argv.slice(2) as [string, string, string];
const receiver = new PusherReceiver(appId, key, secret);
const port = await receiver.start(0);
console.log(`pusher receiver listening on ${port}`);
process.stdin.on('end', () => void receiver.stop().finally(() => process.exit(0))).resume();
