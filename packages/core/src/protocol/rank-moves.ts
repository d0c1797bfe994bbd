/** How a candidate moved since the ranking's previous state, for the arrows beside it (the big screen's bars, the mini-program's rows). */
export type RankMove = { kind: 'up' | 'down'; by: number } | { kind: 'new' } | { kind: 'same' };

/**
 * Compares two rankings (candidate id → rank). A candidate not in `before` is new to the top;
 * one whose rank did not change keeps its previous move for `sticky` (so an arrow stays up long
 * enough to be read across a room), unless the caller resets it.
 */
export function rankMoves(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): Map<string, RankMove> {
  const moves = new Map<string, RankMove>();
  for (const [candidateId, rank] of after) {
    const was = before.get(candidateId);
    if (was === undefined) moves.set(candidateId, { kind: 'new' });
    else if (rank < was) moves.set(candidateId, { kind: 'up', by: was - rank });
    else if (rank > was) moves.set(candidateId, { kind: 'down', by: rank - was });
    else moves.set(candidateId, { kind: 'same' });
  }
  return moves;
}

/** The arrow text of a move: `▲2`, `▼1`, `NEW`, or nothing. */
export function moveLabel(move: RankMove | undefined): string {
  if (!move) return '';
  switch (move.kind) {
    case 'up':
      return `▲${move.by}`;
    case 'down':
      return `▼${move.by}`;
    case 'new':
      return 'NEW';
    default:
      return '';
  }
}
