import { randomBytes } from 'node:crypto';
import type { CampaignDoc, LotteryDoc, RewardGrantDoc, RewardRuleDoc } from '@rallyboard/core/db';
import { newLotteryId } from '@rallyboard/core/db';
import { drawLottery, lotteryCommitment, lotteryHolder, newLotterySeed } from '@rallyboard/core/lottery';
import {
  AppError,
  LOTTERY_TICKET_PAGE,
  type LotteryInput,
  type LotteryTicket,
  type LotteryTicketPage,
  type LotteryView,
  refuseShareWords,
} from '@rallyboard/core/protocol';
import { candidateCount, type KeyBuilder, rewardsSettled, withLock } from '@rallyboard/core/redis';
import { type CandidateTextCheck, withChecks } from '../campaigns/text-check.js';
import { auditRewards, type RewardRuleDeps } from './rules.js';

type Actor = { host: import('../hosts/principal.js').HostPrincipal; ip: string };

/** Statuses a campaign takes a lottery in: before it starts, so no ticket exists before the commitment. */
const BEFORE_START = new Set(['draft', 'scheduled']);
const OVER = new Set(['ended', 'archived']);

/** The lottery's terms in the words a participant reads before acting. */
function termsOf(lottery: Pick<LotteryDoc, 'prizes' | 'perParticipant' | 'commitment'>, tickets: number) {
  const prizes = lottery.prizes.map((p) => `${p.name} ${p.count} 名`).join('、');
  const slots = lottery.prizes.reduce((sum, p) => sum + p.count, 0);
  const odds =
    tickets === 0
      ? '目前还没有抽奖券'
      : lottery.perParticipant === 1
        ? `目前共 ${tickets} 张抽奖券，共 ${slots} 个奖项名额，按目前券数每张券约有 ${Math.min(100, (100 * slots) / tickets).toFixed(2)}% 的中奖机会`
        : `目前共 ${tickets} 张抽奖券，共 ${slots} 个奖项名额；持券越多中奖机会越大，但每人最多中奖一次`;
  return (
    `奖品：${prizes}。抽奖券只来自计入排名的投票（见奖励规则），与分享、邀请无关；每人最多持有 ${lottery.perParticipant} 张，最多中奖一次。` +
    `${odds}；被判无效的投票，其抽奖券将收回。活动结束后由主办方开奖：以活动开始前公布的种子承诺（SHA-256 ${lottery.commitment.slice(0, 16)}…）为准，` +
    '开奖后公布种子与全部有效抽奖券，任何人都可以复算中奖结果。'
  );
}

/** Lotteries as everyone sees them: the seed only once drawn. */
export async function lotteryViews(deps: RewardRuleDeps, campaignId: string): Promise<LotteryView[]> {
  const lotteries = await deps.rewards.lotteries
    .find({ campaignId })
    .sort({ createdAt: 1 })
    .lean<LotteryDoc[]>();
  return Promise.all(
    lotteries.map(async (l) => {
      const drawn = l.status === 'drawn';
      const tickets = drawn
        ? (l.ticketCount ?? 0)
        : await deps.rewards.grants.countDocuments({ campaignId, lotteryId: l._id, status: 'active' });
      return {
        id: l._id,
        campaignId: l.campaignId,
        name: l.name,
        prizes: l.prizes.map(({ name, count }) => ({ name, count })),
        perParticipant: l.perParticipant,
        status: l.status,
        commitment: l.commitment,
        committedAt: new Date(l.createdAt).toISOString(),
        tickets,
        terms: termsOf(l, tickets),
        ...(drawn && l.drawnAt
          ? {
              drawnAt: new Date(l.drawnAt).toISOString(),
              seed: l.seed,
              winners: (l.winners ?? []).map(({ prize, ticket, holder, score }) => ({
                prize,
                ticket,
                holder,
                score,
              })),
            }
          : {}),
      };
    }),
  );
}

/**
 * Adds a lottery and commits to its seed: the seed's SHA-256 is public at once, the seed itself
 * only after the draw. Only before the campaign starts (LOTTERY_TOO_LATE), so the commitment
 * comes before any ticket.
 */
export async function createLottery(
  deps: RewardRuleDeps & { checkTexts: CandidateTextCheck },
  actor: Actor,
  campaign: CampaignDoc,
  body: LotteryInput,
): Promise<LotteryDoc> {
  if (!BEFORE_START.has(campaign.status)) throw new AppError('LOTTERY_TOO_LATE');
  refuseShareWords({
    'body.name': body.name,
    ...Object.fromEntries(body.prizes.map((p, i) => [`body.prizes.${i}.name`, p.name])),
  });
  // Its name and prizes are published text: WeChat judges them as the host's.
  const checks = await deps.checkTexts(
    actor,
    [{ candidateId: '抽奖', name: body.name, description: body.prizes.map((p) => p.name).join('\n') }],
    [],
  );
  const seed = newLotterySeed();
  const lottery: LotteryDoc = {
    _id: newLotteryId(),
    campaignId: campaign._id,
    name: body.name,
    prizes: body.prizes,
    perParticipant: body.perParticipant,
    seed,
    commitment: lotteryCommitment(seed),
    status: 'committed',
    createdAt: new Date(deps.now()),
    createdBy: actor.host.hostId,
  };
  await deps.rewards.lotteries.create(lottery);
  await auditRewards(deps, actor, campaign._id, 'rewards.lottery', {
    before: null,
    after: withChecks(
      { id: lottery._id, name: lottery.name, prizes: lottery.prizes, commitment: lottery.commitment },
      checks,
    ),
  });
  return lottery;
}

/** The eligible tickets: the lottery's grants that stand, each named by its holder's hash, in ticket order. */
async function eligibleTickets(deps: RewardRuleDeps, lottery: LotteryDoc): Promise<LotteryTicket[]> {
  const grants = await deps.rewards.grants
    .find({ campaignId: lottery.campaignId, lotteryId: lottery._id, status: 'active' }, { participantId: 1 })
    .lean<Pick<RewardGrantDoc, '_id' | 'participantId'>[]>();
  return grants
    .map((g) => ({ ticket: g._id, holder: lotteryHolder(lottery._id, g.participantId) }))
    .sort((a, b) => (a.ticket < b.ticket ? -1 : 1));
}

/** What a draw needs besides the rules' deps: the vote jobs not yet applied (queue/votes.ts). */
export interface DrawDeps extends RewardRuleDeps {
  /** The rewards' keys, and the board's, for a milestone's count. */
  keys: Pick<KeyBuilder, 'rewards' | 'board'>;
  votesInFlight: () => Promise<number>;
  checkTexts: CandidateTextCheck;
}

/** How long after a scheduled end the queue is no longer asked: any vote accepted before it is in by then. */
const LAST_VOTES_MS = 10 * 60_000;

/**
 * Whether a milestone's rule disagrees with its candidate's count now: reached with the candidate
 * under the count (votes voided after the end: the workers take it back, with its tickets, once
 * it has stayed under for a minute, or keep it if the count comes back), or not reached with the
 * candidate at the count (the workers' look came before the last votes reached the board; their
 * next one reaches it and puts its supporters in line). Until they agree its tickets are not final.
 */
async function milestoneUnsettled(deps: DrawDeps, campaignId: string): Promise<boolean> {
  const milestones = await deps.rewards.rules
    .find({ campaignId, 'trigger.kind': 'milestone' }, { trigger: 1, reached: 1 })
    .lean<Pick<RewardRuleDoc, 'trigger' | 'reached'>[]>();
  for (const { trigger, reached } of milestones) {
    if (trigger.kind !== 'milestone') continue;
    const count = await candidateCount(deps.redis, deps.keys, campaignId, trigger.candidateId);
    if (count >= trigger.count !== (reached === true)) return true;
  }
  return false;
}

/**
 * Whether an ended campaign's tickets are final: no vote job left that was accepted before the
 * end (unless the scheduled end is ten minutes past), the campaign with rules on the workers'
 * list, every end rule's final top fixed and every milestone agreeing with its count, and every
 * participant's rewards worked out (no backfills, pending moves or marks).
 *
 * In this order, each step's writer's own order: a vote job marks its voter before it leaves the
 * queue, so once the queue is empty every mark of its votes is written; the workers put a
 * trigger's voters in line (a backfill) before they write the rule, a backfill marks its voters
 * before its entry goes, and review marks a moved voter before its pending note goes. Read the
 * other way round, a writer could finish between two reads and be missed by both (until
 * 2026-12-07 the marks were read before the queue, and a vote job that marked its voter and
 * left between the two let the draw land without that voter's ticket). The draw holds the
 * rewards lock, so no pass takes a mark back meanwhile.
 */
async function ticketsFinal(deps: DrawDeps, campaign: CampaignDoc): Promise<boolean> {
  const lastVotesDue = deps.now() - new Date(campaign.schedule.endAt).getTime() < LAST_VOTES_MS;
  if (lastVotesDue && (await deps.votesInFlight()) > 0) return false;
  // Redis lost the campaign's rewards (its marks with them) and its board is not rebuilt yet
  // (workers/src/rewards/restore.ts lists it again after putting its voters in line).
  const listed = await deps.redis.sismember(deps.keys.rewards.campaigns, campaign._id);
  if (listed === 0 && (await deps.rewards.rules.exists({ campaignId: campaign._id }))) return false;
  const open = await deps.rewards.rules.countDocuments({
    campaignId: campaign._id,
    'trigger.kind': 'campaign-end',
    endTop: { $exists: false },
  });
  if (open > 0) return false;
  if (await milestoneUnsettled(deps, campaign._id)) return false;
  return rewardsSettled(deps.redis, deps.keys, campaign._id);
}

/**
 * Draws a lottery: once, after its campaign ended, with its tickets worked out from every counted
 * vote (LOTTERY_SETTLING while some are not). The tickets are written first and the result last,
 * by a compare-and-set on its status, so a draw that dies half way is drawn again from scratch
 * and two draws never both land. Under the campaign's rewards lock: no pass changes a ticket meanwhile.
 */
export async function drawCampaignLottery(
  deps: DrawDeps,
  actor: Actor,
  campaign: CampaignDoc,
  lotteryId: string,
): Promise<void> {
  const lottery = await deps.rewards.lotteries
    .findOne({ _id: lotteryId, campaignId: campaign._id })
    .lean<LotteryDoc>();
  if (!lottery) throw new AppError('LOTTERY_NOT_FOUND');
  if (lottery.status === 'drawn') throw new AppError('LOTTERY_ALREADY_DRAWN');
  if (!OVER.has(campaign.status)) throw new AppError('LOTTERY_NOT_ENDED');
  await withLock(
    deps.redis,
    deps.keys.rewards.lock(campaign._id),
    async () => {
      // A draw that held the lock before this one has landed: its tickets are not to be rewritten.
      const current = await deps.rewards.lotteries.findById(lotteryId, { status: 1 }).lean();
      if (current?.status !== 'committed') throw new AppError('LOTTERY_ALREADY_DRAWN');
      if (!(await ticketsFinal(deps, campaign))) throw new AppError('LOTTERY_SETTLING');
      const tickets = await eligibleTickets(deps, lottery);
      const winners = drawLottery(lottery.seed, lottery._id, lottery.prizes, tickets);
      // This attempt's own chunks: another attempt (one whose lock lapsed) never overwrites them,
      // and the published list is the one the landed attempt drew from.
      const attempt = randomBytes(6).toString('base64url');
      const chunks = deps.rewards.lotteryTickets;
      for (let page = 0; page * LOTTERY_TICKET_PAGE < tickets.length; page++) {
        const slice = tickets.slice(page * LOTTERY_TICKET_PAGE, (page + 1) * LOTTERY_TICKET_PAGE);
        await chunks.create({
          _id: `${lotteryId}:${attempt}:${page}`,
          lotteryId,
          attempt,
          page,
          tickets: slice,
        });
      }
      const drawnAt = new Date(deps.now());
      const landed = await deps.rewards.lotteries.findOneAndUpdate(
        { _id: lotteryId, status: 'committed' },
        {
          $set: {
            status: 'drawn',
            drawnAt,
            drawnBy: actor.host.hostId,
            ticketCount: tickets.length,
            ticketsAttempt: attempt,
            winners,
          },
        },
      );
      if (!landed) {
        await chunks.deleteMany({ lotteryId, attempt });
        throw new AppError('LOTTERY_ALREADY_DRAWN');
      }
      // What attempts that died (or lost) left.
      await chunks.deleteMany({ lotteryId, attempt: { $ne: attempt } });
      await auditRewards(deps, actor, campaign._id, 'rewards.draw', {
        before: { id: lotteryId, status: 'committed', commitment: lottery.commitment },
        after: { id: lotteryId, status: 'drawn', tickets: tickets.length, winners },
      });
    },
    // Renewed while the draw runs (a large ticket list on a slow store), so a rewards pass
    // never revokes or grants tickets beside it; a hung draw frees it ten minutes on. A second
    // click waits out a draw of a few seconds and is told it was drawn (409), not to retry (503,
    // which a draw slower than 5 s on a loaded store gave until 2026-12-08).
    { ttlMs: 60_000, waitMs: 20_000, renew: { forMs: 10 * 60_000 } },
  );
}

/** A page of a drawn lottery's eligible tickets (LOTTERY_NOT_DRAWN before its draw). */
export async function ticketPage(
  deps: RewardRuleDeps,
  campaignId: string,
  lotteryId: string,
  page: number,
): Promise<LotteryTicketPage> {
  const lottery = await deps.rewards.lotteries
    .findOne({ _id: lotteryId, campaignId }, { status: 1, ticketCount: 1, ticketsAttempt: 1 })
    .lean<Pick<LotteryDoc, 'status' | 'ticketCount' | 'ticketsAttempt'>>();
  if (!lottery) throw new AppError('LOTTERY_NOT_FOUND');
  if (lottery.status !== 'drawn') throw new AppError('LOTTERY_NOT_DRAWN');
  const pages = Math.ceil((lottery.ticketCount ?? 0) / LOTTERY_TICKET_PAGE);
  const chunk = await deps.rewards.lotteryTickets
    .findById(`${lotteryId}:${lottery.ticketsAttempt}:${page}`)
    .lean();
  return { page, pages, tickets: (chunk?.tickets ?? []).map(({ ticket, holder }) => ({ ticket, holder })) };
}
