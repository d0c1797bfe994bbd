import { ApiError, api } from '../../api.js';

/**
 * A section's items (lotteries, pledges, reward rules) as the host's route lists them, at any
 * status of the campaign (a draft's and an archived one's too), kept by id: `refresh` reads the
 * list again, `keep` adds or replaces one from an answer, `replace` puts a whole list a host
 * route answered in place of what is kept. Each change redraws.
 */
export function hostList<T extends { id: string }>(options: {
  url: string;
  field: string;
  problem: HTMLElement;
  render: (items: T[]) => void;
}) {
  const known = new Map<string, T>();
  const draw = () => options.render([...known.values()]);
  const keep = (view: T) => {
    known.set(view.id, view);
    draw();
  };
  const replace = (views: readonly T[]) => {
    known.clear();
    for (const view of views) known.set(view.id, view);
    draw();
  };
  const refresh = async () => {
    try {
      const answer = await api<Record<string, T[]>>('GET', options.url);
      options.problem.textContent = '';
      replace(answer[options.field] ?? []);
    } catch (error) {
      options.problem.textContent = error instanceof ApiError ? error.message : '加载失败';
    }
  };
  return { keep, replace, refresh };
}
