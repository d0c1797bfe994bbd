import { type Connection, Schema } from 'mongoose';
import { ALERT_KINDS, type RiskAlert } from '../protocol/risk.js';
import { isDuplicateKey } from './duplicate-key.js';

/** A risk alert: a candidate's spike or a cluster risk control found. Its id makes it once per window. */
export interface AlertDoc {
  _id: string;
  campaignId: string;
  kind: RiskAlert['kind'];
  subject: string;
  text: string;
  advice: string;
  data: RiskAlert['data'];
  at: Date;
}

const alertSchema = new Schema<AlertDoc>(
  {
    _id: { type: String, required: true },
    campaignId: { type: String, required: true },
    kind: { type: String, required: true, enum: ALERT_KINDS },
    subject: { type: String, required: true },
    text: { type: String, required: true },
    advice: { type: String, required: true },
    data: { type: Schema.Types.Mixed, default: {} },
    at: { type: Date, required: true },
  },
  { collection: 'alerts', versionKey: false, minimize: false },
);
alertSchema.index({ campaignId: 1, at: -1 });

export function alertModel(connection: Connection) {
  return connection.models.Alert
    ? connection.model<AlertDoc>('Alert')
    : connection.model<AlertDoc>('Alert', alertSchema);
}
export type AlertModel = ReturnType<typeof alertModel>;

/** Writes an alert once: a second write of the same id is a no-op. @returns whether it was new */
export async function recordAlert(model: AlertModel, alert: AlertDoc): Promise<boolean> {
  try {
    await model.collection.insertOne(alert as never);
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

export const alertView = (doc: AlertDoc): RiskAlert => ({
  id: doc._id,
  campaignId: doc.campaignId,
  kind: doc.kind,
  subject: doc.subject,
  text: doc.text,
  advice: doc.advice,
  data: doc.data,
  at: doc.at.toISOString(),
});
