// What became of each planned vote in a replay: the sweep's raw data.
import type { RiskRuleId } from '@rallyboard/core/protocol';
import type { Label } from '../scenario.js';

/** Where a planned vote ended. */
export type Fate = 'counted' | 'held' | 'rejected' | 'refused' | 'quota';

export interface VoteFate {
  label: Label;
  account: string;
  candidateId: string;
  fate: Fate;
  /** The rules that fired on the vote (for a counted one too: not enough to hold it). */
  rules: RiskRuleId[];
  /** Its score under the rules, when it was judged. */
  score?: number;
  /** Held after being counted, with a cluster another vote revealed. */
  heldWithCluster?: string;
  /** Refused at the gates: why. */
  code?: string;
}
