import type { ErrorCode } from '../protocol/errors.js';
import type { VoteStatus } from '../protocol/votes.js';

/**
 * What a participant reads for each catalogue code. The record is keyed by ErrorCode, so a code
 * added to the catalogue fails the type check until it has its Chinese message here.
 */
export const ERROR_MESSAGES: Record<ErrorCode, string> = {
  INVALID_INPUT: '提交的内容有误，请检查后重试',
  INVALID_JSON: '提交的内容有误，请重试',
  UNSUPPORTED_MEDIA_TYPE: '提交的内容有误，请重试',
  PAYLOAD_TOO_LARGE: '提交的内容太大了',
  HEADERS_TOO_LARGE: '请求太大了，请重试',
  NOT_FOUND: '找不到要访问的内容',
  UNAUTHENTICATED: '请先登录',
  TOKEN_EXPIRED: '登录已过期，请重新登录',
  INVALID_CREDENTIALS: '用户名或密码错误',
  REFRESH_TOKEN_INVALID: '登录已失效，请重新登录',
  FORBIDDEN: '你没有权限这样做',
  PASSWORD_INCORRECT: '当前密码不正确',
  HOST_NOT_FOUND: '找不到这个主办方账号',
  USERNAME_TAKEN: '这个用户名已被使用',
  VOTE_NOT_FOUND: '找不到这条投票记录',
  QUOTA_EXCEEDED: '你的票已经用完了',
  SHARE_TOKEN_NOT_FOUND: '分享链接无效或已失效',
  CAMPAIGN_NOT_EDITABLE: '活动当前状态下不能修改',
  BOARD_NOT_FOUND: '找不到这个榜单',
  UNKNOWN_MEMBER: '活动中没有这位选手',
  GROUP_NOT_FOUND: '活动中没有这个分组',
  ACTION_NOT_ALLOWED: '这个活动不支持这种操作',
  VOTER_REQUIRED: '请先登录再点赞',
  RISK_REJECTED: '这票被风控判定为异常投票（刷票），未计入',
  VOIDED: '主办方审核后作废了这票',
  REVIEW_ACTION_NOT_FOUND: '找不到这条审核记录',
  BOARD_FULL: '榜单已达到记录上限，暂时不能投票',
  SCORE_LIMIT: '这位选手的票数已达上限',
  CAMPAIGN_NOT_LIVE: '活动当前不在投票时间内',
  CAMPAIGN_NOT_FOUND: '找不到这个活动',
  SCREEN_TOKEN_INVALID: '这个大屏需要主办方提供的访问链接',
  REVEAL_NOT_ALLOWED: '封榜或结束后才能揭晓排名',
  CANDIDATE_NOT_FOUND: '活动中没有这位选手',
  UNKNOWN_TEMPLATE: '暂不支持这种消息提醒',
  SUBSCRIPTION_CLOSED: '活动已经开始，不需要开始提醒了',
  ENTRIES_CLOSED: '现在不在报名时间内',
  HOST_WECHAT_UNBOUND: '主办方账号尚未绑定微信',
  HOST_WECHAT_STALE: '请先打开小程序，再回到管理后台保存',
  BINDING_CODE_INVALID: '绑定码无效、已使用或已过期，请在管理后台重新获取',
  CONTENT_RISKY: '内容未通过微信安全检测，请修改后再提交',
  CONTENT_NEEDS_REVIEW: '内容需要人工审核，请修改后再提交',
  REWARD_TRIGGER_FORBIDDEN: '平台规则禁止以分享、邀请或付费换取奖励',
  REWARD_RULE_NOT_FOUND: '没有这个奖励规则',
  COUPON_POOL_NOT_FOUND: '没有这个券池',
  COUPON_IMPORT_INVALID: '券码文件有误，未导入',
  COUPON_NOT_GRANTED: '没有人持有这个券码',
  COUPON_RETIRED: '券码已收回作废',
  COUPON_EXPIRED: '券已过期，不能再使用',
  LOTTERY_NOT_FOUND: '没有这个抽奖',
  LOTTERY_TOO_LATE: '抽奖须在活动开始前创建',
  LOTTERY_NOT_ENDED: '活动结束后才开奖',
  LOTTERY_NOT_DRAWN: '开奖后公布',
  LOTTERY_ALREADY_DRAWN: '已经开奖',
  LOTTERY_SETTLING: '抽奖券还在结算，请稍后再试',
  ENTRY_LIMIT_REACHED: '你的报名数已达上限，撤回一件后才能再报',
  ENTRY_NOT_FOUND: '找不到这件报名作品',
  ENTRY_NOT_WITHDRAWABLE: '作品已审核完成，不能撤回了',
  IMAGE_NOT_FOUND: '图片已失效，请重新上传',
  SUGGESTION_MOVE_NOT_ALLOWED: '建议进度只能向前更新',
  IMAGE_TOO_LARGE: '图片太大了，请换一张小一点的',
  IMAGE_INVALID: '这张图片无法使用，请换一张 JPG 或 PNG 图片',
  IMAGE_TYPE_MISMATCH: '图片格式与文件不符，请换一张图片',
  CANDIDATE_EXISTS: '已有同编号的选手',
  INVALID_TRANSITION: '活动当前状态下不能这样操作',
  BOARD_REBUILDING: '榜单正在恢复中，请几秒后再试',
  IDEMPOTENCY_KEY_IN_USE: '上一次提交还在处理中，请稍等一会儿再试',
  IDEMPOTENCY_KEY_REUSED: '提交的内容有变，请重新提交',
  RATE_LIMITED: '操作太频繁了，请稍等一会儿再试',
  SERVICE_UNAVAILABLE: '服务暂时不可用，请稍后再试',
  WECHAT_LOGIN_CODE_INVALID: '微信登录失败，请重试',
  WECHAT_USER_BLOCKED: '微信暂不允许该账号登录',
  WECHAT_RATE_LIMITED: '微信请求太频繁，请一分钟后再试',
  WECHAT_REQUEST_REJECTED: '微信拒绝了这次请求，请稍后再试',
  WECHAT_NOT_CONFIGURED: '服务配置有误，请联系主办方',
  WECHAT_PUSH_REFUSED: '服务配置有误，请联系主办方',
  WECHAT_UNAVAILABLE: '微信服务暂时无响应，请稍后再试',
  INTERNAL: '服务器开小差了，请稍后再试',
};

/** A request that never reached the server or got no answer. */
export const NETWORK_MESSAGE = '网络不给力，请检查网络后重试';
/** An answer the mini-program cannot read (e.g. a proxy's error page). */
export const BAD_ANSWER_MESSAGE = '服务器返回了无法识别的内容，请稍后再试';

/** Beijing-style clock time of an instant in a timezone, e.g. "00:00". */
function clockTime(iso: string, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('zh-CN', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    }).format(new Date(iso));
  } catch {
    return iso;
  }
}

/** QUOTA_EXCEEDED's details, as ingest gives them. */
interface QuotaDetails {
  limit?: 'perDay' | 'perCandidatePerDay' | 'total';
  resetsAt?: string | null;
}

/**
 * The Chinese message for an error answer: the catalogue's, made precise where the details say
 * more (which quota, when it resets, how long to wait).
 */
export function messageFor(code: ErrorCode, details?: unknown, timeZone = 'Asia/Shanghai'): string {
  const d = (typeof details === 'object' && details !== null ? details : {}) as Record<string, unknown>;
  if (code === 'QUOTA_EXCEEDED') {
    const quota = d as QuotaDetails;
    const resets = quota.resetsAt ? `，${clockTime(quota.resetsAt, timeZone)} 后恢复` : '';
    if (quota.limit === 'perDay') return `今天的票已经投完了${resets}`;
    if (quota.limit === 'perCandidatePerDay') return `今天给 TA 的票已经投满了，可以支持其他选手${resets}`;
    if (quota.limit === 'total') return '本次活动你的票已全部投完，感谢参与';
  }
  if (code === 'RATE_LIMITED' && typeof d.retryAfterSeconds === 'number') {
    return `操作太频繁了，请 ${d.retryAfterSeconds} 秒后再试`;
  }
  return ERROR_MESSAGES[code];
}

/** How "my votes" shows a vote's status. */
export const VOTE_STATUS_LABELS: Record<VoteStatus['status'], string> = {
  queued: '排队中',
  counted: '已计入',
  unchanged: '无变化',
  held: '审核中',
  rejected: '未计入',
};

/** Why a vote was not counted, in Chinese, from its catalogue reason. */
export function rejectionReason(reason: string | undefined): string {
  if (reason !== undefined && reason in ERROR_MESSAGES) return ERROR_MESSAGES[reason as ErrorCode];
  return '未通过校验';
}
