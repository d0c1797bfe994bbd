import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import vm from 'node:vm';

/**
 * The compiled mini-program loaded as WeChat loads it, as far as Node can play it: a context of
 * its own whose globals are `wx`, the timers and `console` (no `window`, `self`, `process` or
 * Node's `require`), where code cannot be compiled from strings (no eval, no new Function), and
 * a `require` that resolves as the mini-program's does: a relative path to a file (`.js` added),
 * a package name to `miniprogram_npm/<name>/index.js`, nothing from node_modules.
 */
export function miniprogramRuntime(
  root: string,
  wx: WechatMiniprogram.Wx,
): { require: (path: string) => unknown; run: (code: string) => unknown } {
  const context = vm.createContext(
    { setTimeout, clearTimeout, setInterval, clearInterval, console },
    { codeGeneration: { strings: false, wasm: false } },
  );
  // Answers parsed in this context, as wx.request hands them over inside WeChat.
  const parse = vm.runInContext('JSON.parse', context) as (text: string) => unknown;
  const inContext = (data: unknown) => (typeof data === 'string' ? data : parse(JSON.stringify(data)));
  context.wx = new Proxy(wx, {
    get(target, key) {
      if (key !== 'request') return Reflect.get(target, key);
      return (options: WechatMiniprogram.RequestOption) =>
        target.request({
          ...options,
          success: (res) => options.success?.({ ...res, data: inContext(res.data) as never }),
        });
    },
  });

  const modules = new Map<string, { exports: unknown }>();
  function resolve(from: string, request: string): string {
    if (!request.startsWith('.')) return join(root, 'miniprogram_npm', request, 'index.js');
    const path = normalize(join(dirname(from), request));
    return path.endsWith('.js') ? path : `${path}.js`;
  }
  function load(file: string): unknown {
    const known = modules.get(file);
    if (known) return known.exports;
    if (!file.startsWith(root) || !existsSync(file)) throw new Error(`the mini-program has no ${file}`);
    const module = { exports: {} as unknown };
    modules.set(file, module);
    const wrapped = vm.runInContext(
      `(function (module, exports, require) {\n${readFileSync(file, 'utf8')}\n})`,
      context,
      { filename: file },
    ) as (m: typeof module, e: unknown, r: (request: string) => unknown) => void;
    wrapped(module, module.exports, (request) => load(resolve(file, request)));
    return module.exports;
  }
  return { require: (path) => load(join(root, path)), run: (code) => vm.runInContext(code, context) };
}
