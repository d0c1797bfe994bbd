import type { FieldIssue } from '@rallyboard/core/protocol';
import { type Field, field, input } from '../../dom.js';

/** What separates tags as a host types them: commas (either width), 、, semicolons or spaces. */
const SEPARATORS = /[\s,，、;；]+/;

/** The tags a host typed: trimmed, empty ones dropped, each once (a repeat is not worth refusing). */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(SEPARATORS).filter((tag) => tag !== ''))];
}

/** Tags as the input shows them. */
const formatTags = (tags: readonly string[] | undefined): string => (tags ?? []).join('，');

/** A 标签 input, filled with the tags there are; the how-to hint where there is room for it. */
export function tagsField(label: string, tags: readonly string[] | undefined, withHint = true): Field {
  return field(
    label,
    input({ name: 'tags', value: formatTags(tags), placeholder: withHint ? '如 音乐，校园' : '可选' }),
    withHint ? '用逗号或空格分隔，最多 10 个，每个不超过 20 字' : undefined,
  );
}

/** `tags`, `tags.3`, `members.1.tags.0`: a problem with a tag list or one of its tags. */
const TAG_PATH = /(?:^|\.)tags(\.\d+)?$/;

/**
 * The tag problems in a host's words: the generic text for a too-long string or array
 * (form-errors' 数值太大) would not say which limit it was. Other issues pass unchanged.
 */
export function withTagMessages(issues: readonly FieldIssue[]): FieldIssue[] {
  return issues.map((issue) => {
    const match = TAG_PATH.exec(issue.path);
    if (!match) return issue;
    const oneTag = match[1] !== undefined;
    let message = issue.message;
    if (/must be unique/.test(message)) message = '标签不能重复';
    else if (/Too big|too big|<=/.test(message)) message = oneTag ? '每个标签最多 20 个字' : '最多 10 个标签';
    return { ...issue, message };
  });
}
