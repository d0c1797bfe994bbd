// One vote over HTTP as the pipeline benchmark's load sends it (load.ts): a keep-alive POST as a
// participant of the crowd, with its address, device and User-Agent, and the retries our clients
// make.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { LoadVoter } from './messages.js';

export interface Answer {
  status: number;
  /** The error code of a non-202 answer, or the network error's code. */
  code?: string;
  /** A 202's vote id, when asked for (probes: the run reads each one's verdict). */
  voteId?: string;
}

function voteIdOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { voteId?: unknown }).voteId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

function errorCode(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    const code = (body as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** One server under load and the keep-alive agent of its share of the connections. */
export interface Server {
  agent: http.Agent;
  url: URL;
}

function post(
  { agent, url }: Server,
  path: string,
  body: string,
  voter: LoadVoter,
  key: string,
  readVoteId: boolean,
): Promise<Answer> {
  return new Promise((resolve) => {
    const request = http.request(
      {
        agent,
        hostname: url.hostname,
        port: url.port,
        method: 'POST',
        path,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${voter.token}`,
          'idempotency-key': key,
          'x-forwarded-for': voter.ip,
          'x-device-id': voter.deviceId,
          'x-device-fingerprint': voter.fingerprint,
          'user-agent': voter.userAgent,
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status === 202 && !readVoteId) {
          response.resume();
          response.on('end', () => resolve({ status }));
          return;
        }
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          if (status === 202) {
            const voteId = voteIdOf(text);
            resolve(voteId === undefined ? { status } : { status, voteId });
            return;
          }
          const code = errorCode(text);
          resolve(code === undefined ? { status } : { status, code });
        });
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ status: 0, code: error.code ?? error.message }),
    );
    request.end(body);
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

const VOTE_RETRIES = 3;

/**
 * One vote as our clients cast it (miniprogram/services/votes.ts): a key of its own, sent again
 * after a 503 (a timed-out wait for Redis) or no answer, when the vote may have been queued.
 */
export async function vote(
  server: Server,
  path: string,
  body: string,
  voter: LoadVoter,
  readVoteId = false,
): Promise<Answer> {
  const key = randomUUID();
  let answer = await post(server, path, body, voter, key, readVoteId);
  for (let retry = 1; retry <= VOTE_RETRIES && (answer.status === 503 || answer.status === 0); retry++) {
    await sleep(100 * 2 ** retry);
    answer = await post(server, path, body, voter, key, readVoteId);
  }
  return answer;
}
