import { type CampaignView, isPublished } from '@rallyboard/core/protocol';
import { ApiError, api } from '../../api.js';

/**
 * A section's items as the public list of a published campaign has them (lotteries, pledges,
 * reward rules), kept by id: `refresh` reads the list again (a draft's is not public: what this
 * page added is kept), `keep` adds or replaces one from an answer, `replace` puts a whole list a
 * host route answered in place of what is kept. Each change redraws.
 */
export function publicList<T extends { id: string }>(options: {
  campaign: Pick<CampaignView, 'status'>;
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
    if (!isPublished(options.campaign.status)) return draw();
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
