// The pipeline benchmark's load generator, a child process of main.ts (IPC): POSTs votes to
// `/api/boards/:id/votes` as simulated participants (real tokens) over keep-alive connections,
// closed loop (max rate) or open loop (a fixed rate), and optionally a probe vote every few ms on
// its own connection, reporting each accepted probe's send time so watchers can time its arrival.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Histogram } from './histogram.js';
import type { LoadResult, LoadSpec, LoadToParent, ParentToLoad } from './messages.js';

const send = (message: LoadToParent) => process.send?.(message);
process.on('disconnect', () => process.exit(0));

interface Answer {
  status: number;
  /** The error code of a non-202 answer, or the network error's code. */
  code?: string;
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

function post(agent: http.Agent, url: URL, path: string, body: string, token: string): Promise<Answer> {
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
          authorization: `Bearer ${token}`,
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status === 202) {
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function run(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  const path = `/api/boards/${encodeURIComponent(spec.boardId)}/votes`;
  const bodies = spec.candidates.map((candidateId) => JSON.stringify({ candidateId }));
  const pickBody = () => bodies[Math.floor(Math.random() * bodies.length)] ?? '{}';
  const bearers = spec.tokens.length > 0 ? spec.tokens : [''];
  const pickToken = () => bearers[Math.floor(Math.random() * bearers.length)] ?? '';
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: spec.concurrency,
    maxFreeSockets: spec.concurrency,
  });

  const latency = new Histogram();
  const rejected: Record<string, number> = {};
  let answered = 0;
  let accepted = 0;
  let networkErrors = 0;
  let totalAccepted = 0;
  let maxQueued = 0;

  const start = Date.now();
  const windowStart = start + spec.warmupMs;
  const windowEnd = windowStart + spec.durationMs;
  let windowStartedAt = windowStart;
  let windowEndedAt = windowEnd;
  const windowTimers = [
    setTimeout(() => {
      windowStartedAt = Date.now();
      send({ type: 'window-start', at: windowStartedAt });
    }, spec.warmupMs),
    setTimeout(() => {
      windowEndedAt = Date.now();
      send({ type: 'window-end', at: windowEndedAt });
    }, spec.warmupMs + spec.durationMs),
  ];

  const tally = (answer: Answer, ms: number) => {
    if (answer.status === 202) totalAccepted++;
    const now = Date.now();
    if (now < windowStart || now >= windowEnd) return;
    answered++;
    latency.record(ms);
    if (answer.status === 202) accepted++;
    else if (answer.status === 0) networkErrors++;
    else {
      const key = `${answer.status} ${answer.code ?? ''}`.trim();
      rejected[key] = (rejected[key] ?? 0) + 1;
    }
  };

  async function closedLoop(): Promise<void> {
    while (Date.now() < windowEnd) {
      const t0 = performance.now();
      const answer = await post(agent, url, path, pickBody(), pickToken());
      tally(answer, performance.now() - t0);
      // A refused connection answers at once: don't spin.
      if (answer.status === 0) await sleep(10);
    }
  }

  async function openLoop(): Promise<void> {
    const total = Math.floor(((spec.warmupMs + spec.durationMs) / 1000) * spec.rate);
    const interval = 1000 / spec.rate;
    const t0 = performance.now();
    let issued = 0;
    let inFlight = 0;
    await new Promise<void>((resolve) => {
      const finish = () => {
        if (issued >= total && inFlight === 0) resolve();
      };
      const fire = (scheduled: number) => {
        inFlight++;
        maxQueued = Math.max(maxQueued, inFlight - spec.concurrency);
        void post(agent, url, path, pickBody(), pickToken()).then((answer) => {
          inFlight--;
          tally(answer, performance.now() - scheduled);
          finish();
        });
      };
      const tick = () => {
        const due = Math.min(total, Math.floor((performance.now() - t0) / interval) + 1);
        while (issued < due) fire(t0 + issued++ * interval);
        if (issued < total) setTimeout(tick, 1);
        else finish();
      };
      tick();
    });
  }

  const probeLatency = new Histogram();
  let probesSent = 0;
  let probesAccepted = 0;
  async function probeLoop(probe: NonNullable<LoadSpec['probe']>): Promise<void> {
    const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const body = JSON.stringify({ candidateId: probe.candidateId });
    await sleep(windowStart - Date.now());
    let next = Date.now();
    while (Date.now() < windowEnd) {
      const sentAt = Date.now();
      const t0 = performance.now();
      const answer = await post(probeAgent, url, path, body, bearers[0] ?? '');
      probesSent++;
      if (answer.status === 202) {
        totalAccepted++;
        probesAccepted++;
        probeLatency.record(performance.now() - t0);
        send({ type: 'probe', n: probesAccepted, sentAt });
      }
      // On schedule; a probe that took longer than the interval delays the next, never bunches them.
      next = Math.max(next + probe.intervalMs, Date.now());
      await sleep(next - Date.now());
    }
    probeAgent.destroy();
  }

  const loops: Promise<void>[] = [];
  if (spec.mode === 'closed') for (let i = 0; i < spec.concurrency; i++) loops.push(closedLoop());
  if (spec.mode === 'open') loops.push(openLoop());
  if (spec.probe) loops.push(probeLoop(spec.probe));
  if (spec.mode === 'idle' && !spec.probe) loops.push(sleep(spec.warmupMs + spec.durationMs));
  await Promise.all(loops);
  // Idle mode and short open loops can finish before the timers fire.
  await sleep(windowEnd - Date.now() + 1);
  for (const timer of windowTimers) clearTimeout(timer);
  agent.destroy();

  return {
    mode: spec.mode,
    windowMs: windowEndedAt - windowStartedAt,
    answered,
    accepted,
    rejected,
    networkErrors,
    latency: latency.toJSON(),
    totalAccepted,
    maxQueued,
    probes: { sent: probesSent, accepted: probesAccepted, latency: probeLatency.toJSON() },
  };
}

process.on('message', (message: ParentToLoad) => {
  if (message.type !== 'run') return;
  run(message.spec).then(
    (result) => send({ type: 'result', result }),
    (error: unknown) =>
      send({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  );
});
send({ type: 'ready' });
