import { hostModel } from '@rallyboard/core/db';
import { describe, expect, it } from 'vitest';
import { call, createTestHost } from '../../../server/test/support/hosts.js';
import { eventually } from '../../../test/support/stack.js';
import { open, server, usePagesStack } from '../support/pages-fixture.js';
import { settle, textsOf } from '../support/simulate.js';

// 绑定主办方账号 as a host uses it: the console's code typed (or scanned) in the mini-program
// binds the WeChat user signed in to the host's account; a wrong code is said in Chinese.
usePagesStack();

describe('绑定主办方账号', () => {
  it('is linked from 我的报名', async () => {
    const page = await open('pages/my-entries/index', {});
    expect(textsOf(page, '.host-bind')).toEqual(['我是主办方：绑定主办方账号']);
  });

  it('binds the signed-in WeChat user to the host whose code it is given', async () => {
    const host = await createTestHost(server);
    const issued = await call<{ code: string }>(server, host.token, 'POST', '/api/host/wechat');
    const page = await open('pages/host-bind/index', {});

    // Not a code: said at once, nothing sent.
    page.querySelector('.code')?.dispatchEvent('input', { detail: { value: 'abc' } });
    page.querySelector('.bind')?.dispatchEvent('tap');
    await settle();
    expect(textsOf(page, '.problem')).toEqual(['请输入管理后台显示的 8 位绑定码']);

    // A well-formed code the server does not know.
    page.querySelector('.code')?.dispatchEvent('input', { detail: { value: 'zzzzzzzz' } });
    page.querySelector('.bind')?.dispatchEvent('tap');
    // The message of this answer, not the one before it (the input clears it, the tap waits).
    const unknown = '绑定码无效、已使用或已过期，请在管理后台重新获取';
    await eventually(async () => page.instance.data.problem === unknown && !page.instance.data.busy);
    await settle();
    expect(textsOf(page, '.problem')).toEqual([unknown]);

    // Typed in lower case: the same code.
    page
      .querySelector('.code')
      ?.dispatchEvent('input', { detail: { value: issued.body.code.toLowerCase() } });
    page.querySelector('.bind')?.dispatchEvent('tap');
    await eventually(async () => page.instance.data.boundTo !== '');
    await settle();
    expect(textsOf(page, '.done-title')).toEqual(['已绑定']);
    const bound = await hostModel(server.deps.mongo).findById(host.id).lean();
    expect(bound?.wechat?.openid).toMatch(/^o-pg/);
  });

  it('takes a scanned code from the page scene', async () => {
    const host = await createTestHost(server);
    const issued = await call<{ code: string }>(server, host.token, 'POST', '/api/host/wechat');
    const page = await open('pages/host-bind/index', { scene: encodeURIComponent(issued.body.code) });
    expect(page.instance.data.code).toBe(issued.body.code);
    page.querySelector('.bind')?.dispatchEvent('tap');
    await eventually(async () => page.instance.data.boundTo === host.username);
    expect((await hostModel(server.deps.mongo).findById(host.id).lean())?.wechat).toBeDefined();
  });
});
