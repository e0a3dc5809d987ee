import type { Middleware } from 'koa';
import { z } from 'zod';
import { parseJsonBody } from '../../router/middleware/json-body.js';
import type { RouteGroup } from '../../router/route-group.js';
import type { ChannelAuthService } from './channel-auth.service.js';

/** pusher-js posts `socket_id` and `channel_name` form-encoded (JSON is accepted too). */
const AuthBody = z.object({
  socket_id: z.string().regex(/^\d+\.\d+$/, 'a Pusher socket id (digits.digits)'),
  channel_name: z.string().min(1).max(164).regex(/^[-a-zA-Z0-9_=@,.;]+$/, 'a Pusher channel name'),
});

const BEARER = /^Bearer\s+(\S+)$/i;

/** POST /pusher/auth: the channel authorization endpoint a dashboard's pusher-js calls. */
export function registerChannelAuthRoutes(open: RouteGroup, service: ChannelAuthService): void {
  // Credentials first: nothing of the body is read for a caller without a valid key.
  const authenticate: Middleware = async (ctx, next) => {
    ctx.state.sellerId = await service.caller(BEARER.exec(ctx.get('authorization'))?.[1]);
    await next();
  };
  // The open router keeps the raw text: pusher-js posts a form, a script may post JSON.
  const parseForm: Middleware = async (ctx, next) => {
    const raw = ctx.request.rawBody ?? '';
    if (ctx.is('application/x-www-form-urlencoded')) ctx.request.body = Object.fromEntries(new URLSearchParams(raw));
    else parseJsonBody(ctx, 4);
    await next();
  };
  open.add(
    {
      method: 'post',
      path: '/pusher/auth', operationId: 'authorizePusherChannel', response: z.object({ auth: z.string() }).strict(),
      summary: "Pusher channel authorization: a seller API key (Authorization: Bearer) may join private-seller-{its seller_id}",
      tag: 'realtime',
      body: AuthBody,
      description: 'the signature pusher-js expects: {"auth": "key:signature"}',
      errors: { 403: 'a channel other than the seller\'s own' },
      before: [authenticate, parseForm],
    },
    async ({ body, ctx }) => ({ body: service.authorize(ctx.state.sellerId as string, body.socket_id, body.channel_name) }),
  );
}
