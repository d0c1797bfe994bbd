// The people the pipeline benchmark's load votes as: participants with real tokens, each on a
// device and an address of their own or shared as a real event's crowd shares them, so that
// ingest's rate limits and risk control's windows see the cardinality of a real event rather than
// one voter on one address.
import { createHash } from 'node:crypto';
import type { Config } from '@rallyboard/core/config';
import { createTokenSigner } from '@rallyboard/server/auth';
import { Rng } from '../../simulate/random.js';
import type { LoadVoter } from './messages.js';

/** Participants of the ordinary load, and of the probes (apart, so probes never meet a quota). */
const CROWD = { voters: 20_000, probeVoters: 2_000 };

/** The crowd the load votes as (LoadSpec's `voters` and `probeVoters`). */
export interface Crowd {
  voters: LoadVoter[];
  probeVoters: LoadVoter[];
}

/** A seeded stream of numbers in [0, 1) (the simulator's mulberry32): the same crowd in every run. */
function seededRandom(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

/** Public address blocks of mobile carriers and broadband, as a real crowd's addresses look. */
const FIRST_OCTETS = [36, 39, 42, 58, 60, 101, 106, 111, 112, 113, 114, 117, 120, 123, 183, 221, 223];

const USER_AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50',
  'Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 MicroMessenger/8.0.49',
  'Mozilla/5.0 (Linux; Android 13; 22081212C) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 MicroMessenger/8.0.47',
  'Mozilla/5.0 (Linux; Android 14; ALN-AL00) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 MicroMessenger/8.0.50',
];

/** How the crowd is spread: the shape of a city-wide campaign with a few venues on Wi-Fi. */
const SPREAD = {
  /** Share of participants on a Wi-Fi NAT (campus, office, venue) rather than a carrier address. */
  onWifi: 0.3,
  /** Participants per Wi-Fi address: 4 to this many. */
  wifiMax: 24,
  /** Share of devices two participants use (a family's phone). */
  sharedDevice: 0.03,
  /** Phone models (fingerprints): popular ones are shared by many, as in life. */
  models: 400,
};

const octet = (r: () => number) => 1 + Math.floor(r() * 253);

/** Identities without tokens: an address, a device, a phone model's fingerprint, a User-Agent. */
function identities(count: number, seed: number, tag: string): Omit<LoadVoter, 'token'>[] {
  const r = seededRandom(seed);
  const out: Omit<LoadVoter, 'token'>[] = [];
  let wifi: { ip: string; left: number } | undefined;
  for (let i = 0; i < count; i++) {
    let ip: string;
    if (r() < SPREAD.onWifi) {
      if (!wifi || wifi.left === 0) {
        const first = FIRST_OCTETS[Math.floor(r() * FIRST_OCTETS.length)] ?? 36;
        wifi = {
          ip: `${first}.${octet(r)}.${octet(r)}.${octet(r)}`,
          left: 4 + Math.floor(r() * (SPREAD.wifiMax - 3)),
        };
      }
      wifi.left--;
      ip = wifi.ip;
    } else {
      const first = FIRST_OCTETS[Math.floor(r() * FIRST_OCTETS.length)] ?? 36;
      ip = `${first}.${octet(r)}.${octet(r)}.${octet(r)}`;
    }
    const shares = i > 0 && r() < SPREAD.sharedDevice;
    const deviceId = shares ? (out[i - 1]?.deviceId ?? `${tag}-d${i}`) : `${tag}-d${i}`;
    // Zipf-like popularity of phone models: the square of a uniform draw favours the first ones.
    const model = Math.floor(r() ** 2 * SPREAD.models);
    out.push({
      ip,
      deviceId,
      fingerprint: createHash('sha256').update(`model-${model}`).digest('hex'),
      userAgent: USER_AGENTS[model % USER_AGENTS.length] ?? '',
    });
  }
  return out;
}

/** Signs each identity a participant token with the server's secret (`bench-<tag><i>`). */
async function withTokens(config: Config, tag: string, people: Omit<LoadVoter, 'token'>[]) {
  const signer = createTokenSigner(config.auth);
  return Promise.all(
    people.map(async (person, i) => ({
      ...person,
      token: (await signer.participant({ participantId: `bench-${tag}${i}` })).token,
    })),
  );
}

/** The run's crowd: the same identities every run (seeded), tokens signed for this run's secret. */
export async function buildCrowd(config: Config): Promise<Crowd> {
  return {
    voters: await withTokens(config, 'p', identities(CROWD.voters, 42, 'p')),
    probeVoters: await withTokens(config, 'probe', identities(CROWD.probeVoters, 43, 'probe')),
  };
}

/**
 * A human's dwell before a tap (ms): log-normal around 4 s, truncated at 1.2 s (a draw below is
 * drawn again, not set to 1.2 s: a pile of identical dwell times is a script's, not a crowd's).
 * Risk control reads it (fastTap, tightDwell); a crowd of people varies.
 */
export function humanDwellMs(rng: Rng): number {
  // Drawn from 1,199.5: what rounds to 1,200 ms or more.
  return Math.round(rng.lognormalAbove(4_000, 0.6, 1_199.5));
}
