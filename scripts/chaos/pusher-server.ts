import { NotifyReceiver } from '../../localstack/notify-receiver.js';
import { PusherReceiver } from '../../localstack/pusher-receiver.js';

/**
 * The Pusher receiver of a chaos run, and its SMS and push provider (the notify receiver), in a
 * process of their own: in the harness's process, a busy event loop answered late and the OMS's
 * 3 s Pusher timeout failed pushes that had arrived. Prints both ports; the deliveries are at
 * GET /_events (Pusher) and GET /_messages (SMS and push). Exits when stdin closes (the harness did).
 */
const [appId, key, secret, notifyToken] = process.argv.slice(2) as [string, string, string, string];
const receiver = new PusherReceiver(appId, key, secret);
const notify = new NotifyReceiver(notifyToken);
const port = await receiver.start(0);
const notifyPort = await notify.start(0);
console.log(`pusher receiver listening on ${port}, notify receiver on ${notifyPort}`);
process.stdin.on('end', () => void Promise.all([receiver.stop(), notify.stop()]).finally(() => process.exit(0))).resume();
