import type { CampaignMember } from '@rallyboard/core/protocol';
import { type Field, field, h, input } from '../../dom.js';
import { parseTags, tagsField } from './tags.js';

interface MemberRow {
  row: HTMLElement;
  fields: { candidateId: Field; name: Field; imageUrl: Field; group: Field; tags: Field };
  /** Its description, which this editor does not show: kept, or saving the row would drop it. */
  description: string | undefined;
}

/** The campaign's members as rows of inputs: id, name, image URL, group and tags; add and remove rows. */
export function memberEditor(members: readonly CampaignMember[], locked: boolean) {
  const rows: MemberRow[] = [];
  const list = h('div', { class: 'members', id: 'members' });
  const add = (m: Partial<CampaignMember> = {}) => {
    const n = rows.length + 1;
    const fields = {
      candidateId: field(
        `候选 ${n} 编号`,
        input({ value: m.candidateId ?? '', name: 'candidateId', placeholder: 'c01' }),
      ),
      name: field(`候选 ${n} 名称`, input({ value: m.name ?? '', name: 'name', placeholder: '名称' })),
      imageUrl: field(
        `候选 ${n} 图片地址`,
        input({ value: m.imageUrl ?? '', name: 'imageUrl', type: 'url', placeholder: 'https://…' }),
      ),
      group: field(`候选 ${n} 分组`, input({ value: m.group ?? '', name: 'group', placeholder: '可选' })),
      tags: tagsField(`候选 ${n} 标签`, m.tags, false),
    };
    // Candidates that may have votes keep their ids (and cannot be removed once the campaign ran).
    if (locked && m.candidateId) fields.candidateId.control.readOnly = true;
    const entry: MemberRow = { row: h('div', { class: 'member-row' }), fields, description: m.description };
    const remove = h(
      'button',
      {
        type: 'button',
        class: 'icon',
        'aria-label': `删除候选 ${n}`,
        disabled: locked && Boolean(m.candidateId),
        onclick: () => {
          rows.splice(rows.indexOf(entry), 1);
          entry.row.remove();
        },
      },
      '✕',
    );
    entry.row.append(...Object.values(fields).map((f) => f.wrap), remove);
    rows.push(entry);
    list.append(entry.row);
  };
  for (const m of members) add(m);
  if (members.length === 0) add();
  // In the order the campaign view lists a member's fields, so an unchanged row reads as unchanged
  // (changes.ts compares them as JSON); no tags is left out, as the view leaves it out.
  const read = (): CampaignMember[] =>
    rows.map(({ fields: f, description }) => {
      const tags = parseTags(f.tags.control.value);
      return {
        candidateId: f.candidateId.control.value.trim(),
        name: f.name.control.value.trim(),
        ...(f.imageUrl.control.value.trim() ? { imageUrl: f.imageUrl.control.value.trim() } : {}),
        ...(description === undefined ? {} : { description }),
        ...(f.group.control.value.trim() ? { group: f.group.control.value.trim() } : {}),
        ...(tags.length > 0 ? { tags } : {}),
      };
    });
  /** The row's field an issue names: `members.2.name`, or `members.2.tags.0` for one of its tags. */
  const fieldAt = (path: string): Field | undefined => {
    const match = /^members\.(\d+)\.(candidateId|name|imageUrl|group|tags)(?:\.\d+)?$/.exec(path);
    if (!match) return undefined;
    return rows[Number(match[1])]?.fields[match[2] as keyof MemberRow['fields']];
  };
  const clear = () => {
    for (const r of rows) for (const f of Object.values(r.fields)) f.setError(undefined);
  };
  const addButton = h('button', { type: 'button', onclick: () => add() }, '＋ 添加候选');
  return { el: h('div', {}, list, addButton), read, fieldAt, clear };
}
