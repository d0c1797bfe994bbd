import { AppError, type ErrorCode, idempotencyKeySchema } from '@rallyboard/core/protocol';
import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { bearerToken, type ParticipantClaims, type TokenSigner } from '../auth/tokens.js';
import type { HostPrincipal, HostResolver } from '../hosts/principal.js';
import type { IdempotentRequests, KeptAnswer } from './idempotent.js';
import { readUpload, type UploadedFile, type UploadSpec } from './multipart.js';
import { parseInput } from './validate.js';

/**
 * Who may call a route: anyone, a participant (mini-program), any host, or an admin host.
 * Checked first, before any input is read.
 */
export type AuthMode = 'public' | 'participant' | 'host' | 'admin';

type AuthOf<A extends AuthMode> = A extends 'participant'
  ? ParticipantClaims
  : A extends 'host' | 'admin'
    ? HostPrincipal
    : undefined;

type ObjectSchema = z.ZodType<Record<string, unknown>>;
type Parsed<S> = S extends z.ZodType ? z.infer<S> : undefined;

export interface ResponseSpec {
  description: string;
  /** The JSON body; omit for no body. */
  schema?: z.ZodType;
  /** Another content type than JSON, e.g. image/png. */
  contentType?: string;
}

/**
 * One route: how it is called, what it takes and what it answers. The same spec validates the
 * request and writes the route's part of the OpenAPI document, so the two cannot drift apart.
 */
export interface RouteSpec<
  A extends AuthMode = AuthMode,
  P extends ObjectSchema | undefined = ObjectSchema | undefined,
  Q extends ObjectSchema | undefined = ObjectSchema | undefined,
  H extends ObjectSchema | undefined = ObjectSchema | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path, e.g. `/api/boards/:boardId/votes`. */
  path: string;
  /** Groups routes in the API docs. */
  tag: string;
  summary: string;
  description?: string;
  auth: A;
  params?: P;
  query?: Q;
  /** Request headers the route reads; keys in lower case. */
  headers?: H;
  /** A JSON body; the route then refuses other content types with UNSUPPORTED_MEDIA_TYPE. */
  body?: B;
  /** A multipart/form-data body of one file (an image upload); not with `body`. */
  upload?: UploadSpec & { description: string };
  responses: Record<number, ResponseSpec>;
  /** Catalogue codes the route itself may answer, besides those every route of its kind may. */
  errors?: readonly ErrorCode[];
  /**
   * A host's create: it takes an `Idempotency-Key` header, and a request sent again with the same
   * key and body answers what the first answered, without creating again (idempotent.ts).
   */
  idempotent?: true;
}

export interface RouteInput<A extends AuthMode, P, Q, H, B> {
  auth: AuthOf<A>;
  params: Parsed<P>;
  query: Parsed<Q>;
  headers: Parsed<H>;
  body: Parsed<B>;
  /** The uploaded file, for a route with `upload`. */
  upload: UploadedFile;
}

export interface Api {
  /** Mounts a route on the router and records its spec for the API docs. */
  route<
    A extends AuthMode,
    P extends ObjectSchema | undefined = undefined,
    Q extends ObjectSchema | undefined = undefined,
    H extends ObjectSchema | undefined = undefined,
    B extends z.ZodType | undefined = undefined,
  >(
    router: Router,
    spec: RouteSpec<A, P, Q, H, B>,
    handler: (input: RouteInput<A, P, Q, H, B>, req: Request, res: Response) => Promise<void>,
  ): void;
  /** Every route defined so far, in order. */
  readonly routes: readonly RouteSpec[];
}

/**
 * Reads and verifies the bearer token a route's auth mode asks for. A host token is then checked
 * against its account (see hosts/principal.ts), whose current role decides admin routes.
 */
async function authenticate(
  tokens: TokenSigner,
  hosts: HostResolver,
  mode: AuthMode,
  req: Request,
): Promise<unknown> {
  if (mode === 'public') return undefined;
  const token = bearerToken(req.get('authorization'));
  if (token === undefined) throw new AppError('UNAUTHENTICATED');
  if (mode === 'participant') return tokens.verify(token, 'participant');
  const host = await hosts(await tokens.verify(token, 'host'));
  if (mode === 'admin' && host.role !== 'admin') {
    throw new AppError('FORBIDDEN', { message: 'Only an admin may do that.' });
  }
  return host;
}

/** The header names a headers schema reads. */
const headerNames = (schema: ObjectSchema): string[] =>
  Object.keys((schema as unknown as { shape?: Record<string, unknown> }).shape ?? {});

/** A route's headers schema with the optional `Idempotency-Key` an idempotent route reads. */
function withIdempotencyKey(headers: ObjectSchema | undefined): ObjectSchema {
  const key = { 'idempotency-key': idempotencyKeySchema.optional() };
  return headers instanceof z.ZodObject ? headers.extend(key) : z.object(key);
}

/** Who sent a request, for the scope of its Idempotency-Key: a key is the caller's own (a host). */
const callerOf = (auth: unknown): string =>
  auth !== null && typeof auth === 'object' && 'hostId' in auth ? `host:${String(auth.hostId)}` : 'anyone';

/**
 * Runs an idempotent route's handler once per key (idempotent.ts): a request sent again gets the
 * first's answer. The handler's `res.json` is held back until its success is kept, so a retry
 * that comes as soon as the answer arrives finds it.
 */
async function runOnce(
  requests: IdempotentRequests,
  call: { scope: string; key: string; body: unknown },
  res: Response,
  handler: () => Promise<void>,
): Promise<void> {
  const claim = await requests.claim(call.scope, call.key, call.body);
  if (!claim.run) {
    res.status(claim.answer.status).set('Idempotent-Replayed', 'true').json(claim.answer.body);
    return;
  }
  const send = res.json.bind(res);
  let answer: KeptAnswer | undefined;
  res.json = ((json: unknown) => {
    answer = { status: res.statusCode, body: json };
    return res;
  }) as Response['json'];
  try {
    await handler();
  } catch (error) {
    res.json = send;
    await requests.release(claim.claimed).catch(() => undefined);
    throw error;
  }
  res.json = send;
  if (answer !== undefined && answer.status < 300) {
    // Kept, or the key's hold runs out and a retry creates again: the answer goes out either way.
    await requests.complete(claim.claimed, answer).catch(() => undefined);
  } else {
    await requests.release(claim.claimed).catch(() => undefined);
  }
  if (answer !== undefined) send(answer.body);
}

/** Runs a connect-style middleware as a promise. */
const run = (middleware: RequestHandler, req: Request, res: Response) =>
  new Promise<void>((resolve, reject) => {
    middleware(req, res, (error?: unknown) => (error ? reject(error) : resolve()));
  });

/**
 * @param readJson the JSON body parser (express.json with the configured limit). A route runs it
 *   itself, after authentication: an anonymous caller's body is never read.
 * @param idempotent where idempotent routes keep their keys' answers
 */
export function createApi(
  tokens: TokenSigner,
  hosts: HostResolver,
  readJson: RequestHandler,
  idempotent: IdempotentRequests,
): Api {
  const routes: RouteSpec[] = [];
  return {
    routes,
    route(router, given, handler) {
      const spec = given.idempotent ? { ...given, headers: withIdempotencyKey(given.headers) } : given;
      routes.push(spec as unknown as RouteSpec);
      const names = spec.headers ? headerNames(spec.headers) : [];
      router[spec.method](spec.path, async (req, res) => {
        const auth = await authenticate(tokens, hosts, spec.auth, req);
        const params = spec.params ? parseInput(spec.params, req.params, 'params') : undefined;
        const query = spec.query ? parseInput(spec.query, req.query, 'query') : undefined;
        const headers: Record<string, unknown> | undefined = spec.headers
          ? parseInput(
              spec.headers,
              Object.fromEntries(names.map((name) => [name, req.get(name)])),
              'headers',
            )
          : undefined;
        let body: unknown;
        if (spec.body) {
          if (!req.is('application/json')) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
          await run(readJson, req, res);
          body = parseInput(spec.body, req.body ?? {}, 'body');
        }
        const upload = spec.upload ? await readUpload(req, spec.upload) : undefined;
        const handle = () => handler({ auth, params, query, headers, body, upload } as never, req, res);
        const key = spec.idempotent ? headers?.['idempotency-key'] : undefined;
        if (typeof key !== 'string') return handle();
        // The route and its parsed params, not the path as sent: Express matches it whatever
        // its case or a trailing slash, and a key must name one request however it is spelt.
        const scope = `${callerOf(auth)}\n${spec.method} ${spec.path} ${JSON.stringify(params ?? {})}`;
        await runOnce(idempotent, { scope, key, body }, res, handle);
      });
    },
  };
}
