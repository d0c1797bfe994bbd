/** How held votes are grouped: by the cluster they came from, or by the rule that held them. */
export type GroupBy = 'reason' | 'cluster';

/**
 * What the host has chosen on the review tab: the grouping, and the groups and single votes ticked
 * for a bulk decision. One object shared by the group list (which ticks) and the bulk actions
 * (which read), so a change of grouping is seen by both at once.
 */
export interface ReviewSelection {
  groupBy: GroupBy;
  readonly groups: Set<string>;
  readonly votes: Set<string>;
}

/** A checkbox's change handler that keeps `key` in `set` while the box is ticked. */
export const tickInto =
  (set: Set<string>, key: string) =>
  (event: Event): void => {
    if ((event.currentTarget as HTMLInputElement).checked) set.add(key);
    else set.delete(key);
  };
