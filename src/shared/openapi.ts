/**
 * The API's OpenAPI 3.1 description, generated from the contract: each command an API token
 * may reach (@shared/gateway) becomes `POST /api/v1/<command>` with its zod input schema as
 * the request body. `npm run docs:openapi` writes it to docs/openapi.json (committed; a test
 * fails when the two differ) and the web mode serves the same document at OPENAPI_PATH.
 */
import { z } from 'zod';
import { COMMANDS } from './contract';
import { API_COMMAND_SCOPES, API_PREFIX, API_VERSION, WEBHOOK_HEADERS, type ApiCommandName } from './gateway';
import { ERROR_CODES } from './errors';

const ERROR_SCHEMA = {
  type: 'object',
  required: ['ok', 'error'],
  properties: {
    ok: { const: false },
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: [...ERROR_CODES] },
        message: { type: 'string', description: 'What happened and what to do, in words.' },
        issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
      },
    },
  },
};

function errorResponse(description: string) {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}

function inputSchema(name: ApiCommandName): Record<string, unknown> {
  const schema = z.toJSONSchema(COMMANDS[name].input as z.ZodType, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}

export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const name of Object.keys(API_COMMAND_SCOPES) as ApiCommandName[]) {
    const scope = API_COMMAND_SCOPES[name];
    paths[`${API_PREFIX}${name}`] = {
      post: {
        operationId: name.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase()),
        summary: COMMANDS[name].summary,
        description: `Needs a token with the “${scope}” scope${scope === 'read' ? ' (or “send”)' : ''} that names the account.`,
        'x-slicedeck-scope': scope,
        requestBody: { required: true, content: { 'application/json': { schema: inputSchema(name) } } },
        responses: {
          '200': {
            description: 'The command’s result (its shape: the `CommandResult` of src/shared/contract.ts).',
            content: { 'application/json': { schema: { type: 'object', required: ['ok', 'result'], properties: { ok: { const: true }, result: {} } } } },
          },
          '400': errorResponse('The input is not valid (`invalid_input`, with `issues`).'),
          '401': errorResponse('No API token, or one that is not valid (revoked, mistyped).'),
          '403': errorResponse('The token lacks the scope or the account, or the command is the operator’s own.'),
          '404': errorResponse('No such account, chat or message.'),
          '502': errorResponse('The account’s slice is not running or not ready.'),
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'slicedeck API',
      version: API_VERSION,
      description:
        'The commands of slicedeck’s contract that other programs may use, over HTTP on the web mode (`npm run serve`). ' +
        'Every call is `POST` with a JSON body and `Authorization: Bearer <API token>`; the operator makes tokens in the panel ' +
        '(API & webhooks), each limited to chosen accounts and to reading or also sending. Every answer is an envelope: ' +
        '`{ "ok": true, "result": … }` or `{ "ok": false, "error": { "code", "message" } }`. ' +
        `Webhook deliveries carry the headers ${Object.values(WEBHOOK_HEADERS).join(', ')} (README: API and webhooks).`,
    },
    servers: [{ url: 'http://127.0.0.1:7420', description: 'The web mode on its default port' }],
    security: [{ apiToken: [] }],
    paths,
    components: {
      securitySchemes: { apiToken: { type: 'http', scheme: 'bearer', description: 'An API token (sdt_…) made in the panel.' } },
      schemas: { Error: ERROR_SCHEMA },
    },
  };
}

/** The document as committed: stable key order, two-space indent, a final newline. */
export function openApiText(): string {
  return `${JSON.stringify(buildOpenApi(), null, 2)}\n`;
}
