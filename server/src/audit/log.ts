import { type AuditDoc, auditModel, type NewAuditEntry, recordAudit } from '@rallyboard/core/db';
import type { Logger } from '@rallyboard/core/logger';
import type { AuditEntry } from '@rallyboard/core/protocol';
import type { Connection } from 'mongoose';
import type { HostPrincipal } from '../hosts/principal.js';

/** One change to record: what it was, and who made it from where. */
export type AuditRecord = Omit<NewAuditEntry, 'actor'> & { actor: HostPrincipal };

/** Appends an entry to the audit log; never throws (see createAuditLog). */
export type AuditLog = (entry: AuditRecord) => Promise<void>;

/**
 * The audit log's writer. Entries are written after the change they describe succeeded. If the
 * write fails, the change stands (it cannot be undone without a transaction, and failing the
 * request would make the client retry a change already made), so the entry goes to the error
 * log in full instead, from where it can be restored.
 */
export function createAuditLog(deps: { mongo: Connection; logger: Logger }): AuditLog {
  const audit = auditModel(deps.mongo);
  return async ({ actor, ...entry }) => {
    const record: NewAuditEntry = {
      ...entry,
      actor: { hostId: actor.hostId, username: actor.username, role: actor.role },
    };
    try {
      await recordAudit(audit, record);
    } catch (error) {
      deps.logger.error({ err: error, audit: record }, 'audit entry not written');
    }
  };
}

/** An entry as the API answers it. */
export function auditEntryView(doc: AuditDoc): AuditEntry {
  return {
    id: doc._id,
    at: doc.at.toISOString(),
    actor: doc.actor,
    action: doc.action,
    target: doc.target,
    campaignId: doc.campaignId ?? null,
    before: doc.before ?? null,
    after: doc.after ?? null,
    ip: doc.ip,
  };
}
