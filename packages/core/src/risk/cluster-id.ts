/**
 * The one codec for cluster ids: what risk control groups and holds votes by. An id is
 * `<kind>:<subject>`, and for a network's accounts voting for one candidate
 * `<kind>:<subject>@<candidateId>` (see riskClusterSchema in protocol/risk.ts). Every place that
 * builds or reads one goes through here, so the format lives in one file.
 */
export const CLUSTER_KINDS = ['device', 'fingerprint', 'ip', 'subnet', 'voter', 'ring', 'wave'] as const;
export type ClusterKind = (typeof CLUSTER_KINDS)[number];

/** A cluster id, read. */
export interface ClusterRef {
  kind: ClusterKind;
  /** The device id, fingerprint, address, /24 network, voter, inviter, or (a wave) the candidate. */
  subject: string;
  /** For `ip` and `subnet`: the candidate this network's accounts voted for, when the cluster is that. */
  candidateId?: string | undefined;
}

/** Kinds whose id may name a candidate after `@`: a network's accounts voting for one candidate. */
const NETWORK_KINDS: ReadonlySet<ClusterKind> = new Set(['ip', 'subnet']);
const isKind = (kind: string): kind is ClusterKind => (CLUSTER_KINDS as readonly string[]).includes(kind);

/** Writes a cluster id. */
export function formatClusterId(ref: ClusterRef): string {
  const base = `${ref.kind}:${ref.subject}`;
  return ref.candidateId !== undefined && NETWORK_KINDS.has(ref.kind) ? `${base}@${ref.candidateId}` : base;
}

/** Reads a cluster id; undefined for anything that is not one. */
export function parseClusterId(id: string): ClusterRef | undefined {
  const colon = id.indexOf(':');
  if (colon <= 0) return undefined;
  const kind = id.slice(0, colon);
  if (!isKind(kind)) return undefined;
  const rest = id.slice(colon + 1);
  // Addresses (IPv6 included) and networks never hold an '@'; candidate ids never do either.
  const at = NETWORK_KINDS.has(kind) ? rest.lastIndexOf('@') : -1;
  const subject = at >= 0 ? rest.slice(0, at) : rest;
  if (subject === '') return undefined;
  return at >= 0 ? { kind, subject, candidateId: rest.slice(at + 1) } : { kind, subject };
}

/** How the review queue names a cluster: `device d-1`, `ip 1.2.3.4, voting for c01`. */
export function clusterLabel(id: string): string {
  const ref = parseClusterId(id);
  if (!ref) return id;
  const base = `${ref.kind} ${ref.subject}`;
  return ref.candidateId !== undefined ? `${base}, voting for ${ref.candidateId}` : base;
}
