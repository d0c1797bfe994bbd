import type { FieldIssue } from '@rallyboard/core/protocol';
import type { Field } from './dom.js';

/** What a form says when its problems are on its fields. */
export const CHECK_FIELDS = '请检查标红的字段';

/** What the server and the schemas say, in the words a host reads. */
const MESSAGES: [RegExp, string][] = [
  [/must be an http\(s\) URL/, '请填写 http(s) 开头的图片地址'],
  [/must end after it starts/, '结束时间必须晚于开始时间'],
  [/candidate ids must be unique/, '候选编号不能重复'],
  [/a like campaign takes no vote quotas/, '点赞活动不设投票次数限制'],
  [/rejectAt must not be below reviewAt/, '拒绝分数不能低于审核分数'],
  [/is not an IANA timezone/, '不是有效的时区'],
  [/must be an IP address or a CIDR block/, '请填写 IP 地址或网段，如 1.2.3.0/24'],
  [/from must be before to/, '结束时间必须晚于开始时间'],
  [/name at least one of/, '至少填写一个条件：网段、候选或设备'],
  [/must be at least 10 characters/, '至少需要 10 个字符'],
  [/must differ from the current password/, '新密码不能与当前密码相同'],
  [/expected string to have >=1 characters/, '不能为空'],
  [/Too small|too small|>=/, '数值太小'],
  [/Too big|too big|<=/, '数值太大'],
  [/Invalid input|expected/, '格式不正确'],
];

/** A field's problem in Chinese; the original text when none of the known ones matches. */
export function issueText(message: string): string {
  for (const [pattern, text] of MESSAGES) if (pattern.test(message)) return text;
  return message;
}

/**
 * Groups issues by the form field they belong to: `body.members.1.name` → `members.1.name`
 * (the `body.` the server prefixes is dropped), and a field with several issues keeps its first.
 * Issues on the whole object (`(root)`, empty path) go under `''`, shown at the top of the form.
 */
export function issuesByField(issues: readonly FieldIssue[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const issue of issues) {
    const path = issue.path === '(root)' || issue.path === 'body' ? '' : issue.path.replace(/^body\./, '');
    if (!out.has(path)) out.set(path, issueText(issue.message));
  }
  return out;
}

/**
 * Shows a form's problems: clears every one of its fields, puts each issue on the field its
 * path names, and says the rest (or, when all are on fields, CHECK_FIELDS) in `problem`.
 */
export function showIssues(
  issues: ReadonlyMap<string, string>,
  form: {
    fields: Iterable<Pick<Field<HTMLElement>, 'setError'>>;
    fieldOf(path: string): Pick<Field<HTMLElement>, 'setError'> | undefined;
    problem: HTMLElement;
    /** How an issue no field shows is written. @default its message */
    loose?: (path: string, message: string) => string;
  },
): void {
  for (const field of form.fields) field.setError(undefined);
  const loose: string[] = [];
  for (const [path, message] of issues) {
    const target = form.fieldOf(path);
    if (target) target.setError(message);
    else loose.push(form.loose ? form.loose(path, message) : message);
  }
  form.problem.textContent = loose.join('；') || (issues.size > 0 ? CHECK_FIELDS : '');
}
