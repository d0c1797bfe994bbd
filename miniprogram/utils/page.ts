type Options<
  TData extends WechatMiniprogram.IAnyObject,
  TMethod extends WechatMiniprogram.Component.MethodOption,
  TExtra extends WechatMiniprogram.IAnyObject,
> = WechatMiniprogram.Component.Options<TData, Record<string, never>, TMethod, [], TExtra, true>;

/**
 * A page built with the Component constructor (which WeChat supports for pages), so the same
 * definition runs in WeChat and in component tests. `TExtra` types what a page keeps on its
 * instance outside `data` (timers, sockets): never rendered, never sent through setData.
 */
export function definePage<TExtra extends WechatMiniprogram.IAnyObject = Record<string, never>>() {
  return <
    TData extends WechatMiniprogram.IAnyObject,
    TMethod extends WechatMiniprogram.Component.MethodOption,
  >(
    options: Options<TData, TMethod, TExtra>,
  ): string => Component<TData, Record<string, never>, TMethod, [], TExtra, true>(options);
}
