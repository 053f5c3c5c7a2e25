/**
 * The web mode's API for other programs: `POST /api/v1/<command>` with an API token
 * (never the panel's token), and the OpenAPI document at OPENAPI_PATH. The Host/Origin
 * checks, the body caps and the contract's schemas of the panel's own route apply; the
 * commands run through the same `dispatch`, over the token's scoped handler table.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CommandHandlers, Envelope } from '@shared/contract';
import { dispatch } from '@shared/dispatch';
import { HTTP_STATUS_OF, SlicedeckError, toWireError, type ErrorCode } from '@shared/errors';
import { API_PREFIX, OPENAPI_PATH, type ApiTokenInfo } from '@shared/gateway';
import { openApiText } from '@shared/openapi';
import { presentedToken, sendJson as kitSendJson, trustConnection } from '../../http-kit';
import { scopedHandlers } from '../core/api-tokens/api-handlers';
import { BodyRefusedError, readJsonBody } from './web-body';
import { SECURITY_HEADERS } from './web-security';

export interface ApiCore {
  handlers: CommandHandlers;
  verifyApiToken?: (presented: string) => ApiTokenInfo | null;
}

export function isApiPath(pathname: string): boolean {
  return pathname.startsWith(API_PREFIX);
}

let openApiCache: string | null = null;

export async function handleApiRequest(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  core: ApiCore,
  onUnexpected: (error: unknown, command: string) => void,
): Promise<void> {
  if (pathname === OPENAPI_PATH) {
    if (req.method !== 'GET') return methodNotAllowed(res, 'GET');
    openApiCache ??= openApiText();
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.end(openApiCache);
    return;
  }
  const given = presentedToken(req);
  const token = given && core.verifyApiToken ? core.verifyApiToken(given) : null;
  if (!token) {
    return sendEnvelope(res, {
      ok: false,
      error: new SlicedeckError(
        'unauthorized',
        given
          ? 'This API token is not valid: it may have been revoked or mistyped. Ask the operator for a new one (slicedeck panel → API & webhooks).'
          : 'Send an API token: Authorization: Bearer sdt_… (the operator makes one in the slicedeck panel → API & webhooks).',
      ).toWire(),
    });
  }
  // A valid token holder's connection may stay open (http-kit closes every other one's).
  trustConnection(req, res);
  if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
  let name: string;
  try {
    name = decodeURIComponent(pathname.slice(API_PREFIX.length));
  } catch {
    name = pathname.slice(API_PREFIX.length);
  }
  let input: unknown;
  try {
    input = await readJsonBody(req);
  } catch (error) {
    if (error instanceof BodyRefusedError) return kitSendJson(res, error.status, { ok: false, error: error.toWire() }, SECURITY_HEADERS);
    return sendEnvelope(res, { ok: false, error: toWireError(error) });
  }
  return sendEnvelope(res, await dispatch(scopedHandlers(core.handlers, token), name, input, onUnexpected));
}

function sendEnvelope(res: ServerResponse, envelope: Envelope<unknown>): void {
  kitSendJson(res, envelope.ok ? 200 : (HTTP_STATUS_OF[envelope.error.code as ErrorCode] ?? 500), envelope, SECURITY_HEADERS);
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  kitSendJson(res, 405, { ok: false, error: { code: 'invalid_input', message: `Use ${allow} for this address.` } }, { ...SECURITY_HEADERS, Allow: allow });
}
