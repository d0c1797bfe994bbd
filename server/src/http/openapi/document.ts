import { ERROR_CATALOGUE, type ErrorCode, errorBodySchema } from '@rallyboard/core/protocol';
import { z } from 'zod';
import type { AuthMode, RouteSpec } from '../api.js';

type JsonSchema = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    reused: 'inline',
  });
  return rest as JsonSchema;
};

/** Codes any route may answer, by what the route takes. */
function implicitErrors(spec: RouteSpec): ErrorCode[] {
  const codes: ErrorCode[] = [];
  if (spec.auth !== 'public') codes.push('UNAUTHENTICATED', 'TOKEN_EXPIRED');
  if (spec.auth === 'admin') codes.push('FORBIDDEN');
  if (spec.params || spec.query || spec.headers || spec.body) codes.push('INVALID_INPUT');
  if (spec.body) codes.push('INVALID_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE');
  if (spec.upload) codes.push('UNSUPPORTED_MEDIA_TYPE', 'IMAGE_TOO_LARGE');
  if (spec.idempotent) codes.push('IDEMPOTENCY_KEY_IN_USE', 'IDEMPOTENCY_KEY_REUSED');
  // Any request may carry an address or headers past Node's limit (see http/client-error.ts).
  codes.push('HEADERS_TOO_LARGE', 'SERVICE_UNAVAILABLE', 'INTERNAL');
  return codes;
}

function parameters(schema: RouteSpec['params'], where: 'path' | 'query' | 'header'): JsonSchema[] {
  if (!schema) return [];
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
  return Object.entries(shape).map(([name, field]) => {
    const fieldSchema = jsonSchema(field, 'input');
    const { description, ...rest } = fieldSchema;
    return {
      name,
      in: where,
      required: where === 'path' || !field.safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

const SECURITY: Record<Exclude<AuthMode, 'public'>, string> = {
  participant: 'participantToken',
  host: 'hostToken',
  admin: 'hostToken',
};

function operation(spec: RouteSpec): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, response] of Object.entries(spec.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.schema
        ? {
            content: {
              [response.contentType ?? 'application/json']: { schema: jsonSchema(response.schema, 'output') },
            },
          }
        : response.contentType
          ? { content: { [response.contentType]: { schema: { type: 'string', format: 'binary' } } } }
          : {}),
    };
  }
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...(spec.errors ?? []), ...implicitErrors(spec)])) {
    const { status } = ERROR_CATALOGUE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: codes.map((code) => `\`${code}\`: ${ERROR_CATALOGUE[code].message}`).join('\n\n'),
      content: {
        'application/json': {
          schema: jsonSchema(
            errorBodySchema.extend({
              error: errorBodySchema.shape.error.extend({
                code: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
              }),
            }),
            'output',
          ),
        },
      },
    };
  }
  return {
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    operationId: `${spec.method}${spec.path.replace(/[/:](\w)/g, (_m, c: string) => c.toUpperCase()).replace(/\W/g, '')}`,
    ...(spec.auth === 'public' ? {} : { security: [{ [SECURITY[spec.auth]]: [] }] }),
    parameters: [
      ...parameters(spec.params, 'path'),
      ...parameters(spec.query, 'query'),
      ...parameters(spec.headers, 'header'),
    ],
    ...(spec.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } },
          },
        }
      : {}),
    ...(spec.upload
      ? {
          requestBody: {
            required: true,
            description: spec.upload.description,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  required: [spec.upload.field],
                  properties: { [spec.upload.field]: { type: 'string', format: 'binary' } },
                },
              },
            },
          },
        }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of the given routes, built from their zod schemas. */
export function openApiDocument(routes: readonly RouteSpec[], info: { version: string; serverUrl: string }) {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of routes) {
    const path = spec.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [spec.method]: operation(spec) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Rallyboard API',
      version: info.version,
      description:
        'Real-time leaderboards for WeChat mini-program vote and like campaigns. Every error answers ' +
        '`{ "error": { "code", "message", "details"? } }` with a stable code from the error catalogue.',
    },
    servers: [{ url: info.serverUrl }],
    components: {
      securitySchemes: {
        participantToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'From POST /api/auth/wechat (WeChat login) or POST /api/auth/refresh.',
        },
        hostToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'From POST /api/host/login.',
        },
      },
    },
    paths,
  };
}
