import type { LotteryView } from '../../protocol/lotteries.js';
import type { RewardGrantView } from '../../protocol/rewards.js';
import { shortTime } from '../../services/format.js';

/**
 * The 抽奖 cards of 奖励规则与我的奖励: each lottery as everyone sees it (prizes, terms, the seed's
 * commitment, the tickets held; once drawn, the seed and the winners), with my own tickets, the
 * holder hash the published lists name me by, and whether I won.
 */

/** Winners listed on a card; past that, how many more there are (the full list is public). */
const WINNERS_SHOWN = 100;

/** How a ticket's status reads. */
const TICKET_STATUS_LABELS: Record<RewardGrantView['status'], string> = {
  active: '有效',
  unfilled: '待发放',
  revoked: '已收回',
};

interface TicketRow {
  id: string;
  status: RewardGrantView['status'];
  statusLabel: string;
  note: string;
}

interface WinnerRow {
  key: string;
  prize: string;
  holder: string;
  /** The winner is me (my holder hash). */
  mine: boolean;
}

/** `won`: one of the winners is me; `lost`: I held a ticket and did not win; `none`: I held none. */
type OutcomeKind = 'won' | 'lost' | 'none' | '';

export interface LotteryRow {
  id: string;
  name: string;
  prizes: string;
  terms: string;
  commitment: string;
  committedAt: string;
  statusLabel: string;
  drawn: boolean;
  /** How many tickets there are now (before the draw), or were drawn from. */
  ticketCount: string;
  /** How many tickets I hold, or how to get one. */
  mine: string;
  /** My holder hash in this lottery: '' when I never held a ticket of it. */
  holder: string;
  tickets: TicketRow[];
  outcome: string;
  outcomeKind: OutcomeKind;
  winnerCount: number;
  winners: WinnerRow[];
  moreWinners: string;
  seed: string;
}

function ticketRow(g: RewardGrantView): TicketRow {
  return {
    id: g.id,
    status: g.status,
    statusLabel: TICKET_STATUS_LABELS[g.status],
    note:
      g.status === 'revoked'
        ? `获得它的投票已被判无效，于 ${shortTime(g.revokedAt ?? g.grantedAt)} 收回，不参与开奖`
        : `${shortTime(g.grantedAt)} 由「${g.ruleName}」获得`,
  };
}

/** What the draw means for me: only a holder hash of mine among the winners wins. */
function outcomeOf(lottery: LotteryView, holder: string): { outcome: string; outcomeKind: OutcomeKind } {
  if (lottery.status !== 'drawn') return { outcome: '', outcomeKind: '' };
  if (!holder) return { outcome: '没有抽奖券，未参与本次抽奖', outcomeKind: 'none' };
  const won = (lottery.winners ?? []).find((w) => w.holder === holder);
  return won
    ? { outcome: `恭喜中奖：${won.prize}`, outcomeKind: 'won' }
    : { outcome: '未中奖', outcomeKind: 'lost' };
}

function lotteryRow(lottery: LotteryView, grants: readonly RewardGrantView[]): LotteryRow {
  const drawn = lottery.status === 'drawn';
  const mine = grants.filter((g) => g.lotteryId === lottery.id);
  // Every ticket of mine in one lottery names the same holder; a revoked one too.
  const holder = mine.find((g) => g.holder)?.holder ?? '';
  const active = mine.filter((g) => g.status === 'active').length;
  const winners = lottery.winners ?? [];
  return {
    id: lottery.id,
    name: lottery.name,
    prizes: lottery.prizes.map((p) => `${p.name} × ${p.count}`).join('、'),
    terms: lottery.terms,
    commitment: lottery.commitment,
    committedAt: shortTime(lottery.committedAt),
    statusLabel: drawn ? `已开奖${lottery.drawnAt ? ` · ${shortTime(lottery.drawnAt)}` : ''}` : '待开奖',
    drawn,
    ticketCount: drawn ? `共 ${lottery.tickets} 张抽奖券参与开奖` : `目前共 ${lottery.tickets} 张抽奖券`,
    mine:
      mine.length === 0 ? '还没有抽奖券：按上方奖励规则，计入排名的投票自动获得' : `我的抽奖券：${active} 张`,
    holder,
    tickets: mine.map(ticketRow),
    ...outcomeOf(lottery, holder),
    winnerCount: winners.length,
    winners: winners.slice(0, WINNERS_SHOWN).map((w) => ({
      key: w.ticket,
      prize: w.prize,
      holder: w.holder,
      mine: holder !== '' && w.holder === holder,
    })),
    moreWinners:
      winners.length > WINNERS_SHOWN
        ? `另有 ${winners.length - WINNERS_SHOWN} 名中奖者未列出，完整名单已公开`
        : '',
    seed: lottery.seed ?? '',
  };
}

/** The campaign's lotteries as the page shows them, each with my tickets of it. */
export const lotteryRows = (
  lotteries: readonly LotteryView[],
  grants: readonly RewardGrantView[],
): LotteryRow[] => lotteries.map((l) => lotteryRow(l, grants));
