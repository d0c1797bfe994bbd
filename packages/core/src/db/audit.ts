import { randomBytes } from 'node:crypto';
import { type Connection, Schema } from 'mongoose';
import type { AuditAction, AuditTargetType } from '../protocol/audit.js';
import { AUDIT_ACTIONS, AUDIT_TARGETS } from '../protocol/audit.js';
import type { HostRole } from '../protocol/hosts.js';

/** One change a host made: who, what, to what, the values before and after, and from where. */
export interface AuditDoc {
  /** Time-ordered within a process: see auditIdAt. */
  _id: string;
  at: Date;
  actor: { hostId: string; username: string; role: HostRole };
  action: AuditAction;
  target: { type: AuditTargetType; id: string };
  /** The campaign a campaign or member entry belongs to; absent for host entries. */
  campaignId?: string | undefined;
  /** Only the fields the change touched; null for a creation. */
  before: unknown;
  /** null for a removal. */
  after: unknown;
  ip: string;
}

const actorSchema = new Schema<AuditDoc['actor']>(
  {
    hostId: { type: String, required: true },
    username: { type: String, required: true },
    role: { type: String, required: true },
  },
  { _id: false },
);

const targetSchema = new Schema<AuditDoc['target']>(
  {
    // A path named `type` is declared as `type: { type: … }`.
    type: { type: String, required: true, enum: AUDIT_TARGETS },
    id: { type: String, required: true },
  },
  { _id: false },
);

const auditSchema = new Schema<AuditDoc>(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
    actor: { type: actorSchema, required: true },
    action: { type: String, required: true, enum: AUDIT_ACTIONS },
    target: { type: targetSchema, required: true },
    campaignId: { type: String },
    before: { type: Schema.Types.Mixed, default: null },
    after: { type: Schema.Types.Mixed, default: null },
    ip: { type: String, required: true },
  },
  // Entries are written once and never changed; `minimize: false` keeps empty objects as they were.
  { collection: 'audit', versionKey: false, minimize: false },
);
auditSchema.index({ campaignId: 1, at: -1, _id: -1 });
auditSchema.index({ at: -1, _id: -1 });

/** The Audit model on a connection, compiled once per connection. */
export function auditModel(connection: Connection) {
  return connection.models.Audit
    ? connection.model<AuditDoc>('Audit')
    : connection.model<AuditDoc>('Audit', auditSchema);
}
export type AuditModel = ReturnType<typeof auditModel>;

export type NewAuditEntry = Omit<AuditDoc, '_id' | 'at'> & { at?: Date };

let lastMs = 0;
let inMs = 0;

/**
 * `a`, the time (ms, base 36, fixed width), a count of the entries this process made in that
 * millisecond, and random characters. Lists order by `at` and then by id, so entries one process
 * writes within one millisecond still come in the order they were written.
 */
function auditIdAt(at: Date): string {
  const ms = at.getTime();
  inMs = ms === lastMs ? inMs + 1 : 0;
  lastMs = ms;
  return `a${ms.toString(36).padStart(9, '0')}${inMs.toString(36).padStart(3, '0')}${randomBytes(6).toString('base64url')}`;
}

/** Appends one entry. Call it after the change succeeded, with the values the change replaced and wrote. */
export async function recordAudit(model: AuditModel, entry: NewAuditEntry): Promise<AuditDoc> {
  const at = entry.at ?? new Date();
  const doc: AuditDoc = {
    _id: auditIdAt(at),
    at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    ...(entry.campaignId === undefined ? {} : { campaignId: entry.campaignId }),
    before: entry.before ?? null,
    after: entry.after ?? null,
    ip: entry.ip,
  };
  await model.create(doc);
  return doc;
}
