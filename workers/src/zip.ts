/**
 * Pairs each item with the answer at the same place: for the answers of a script or a step that
 * answers one per item, in order. Throws when there are not as many answers as items, which
 * would otherwise hand one vote another's answer.
 */
export function zip<A, B>(items: readonly A[], answers: readonly B[]): [A, B][] {
  const next = answers.values();
  const pairs = items.map((item): [A, B] => {
    const answer = next.next();
    if (answer.done) throw new Error(`${answers.length} answers for ${items.length} items`);
    return [item, answer.value];
  });
  if (!next.next().done) throw new Error(`${answers.length} answers for ${items.length} items`);
  return pairs;
}
