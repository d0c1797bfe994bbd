/** How the Node `wx` answers a call: WeChat's success/fail/complete callbacks, in its order. */

export type Callback<T> = ((result: T) => void) | undefined;

export function succeed<T>(options: { success?: Callback<T>; complete?: Callback<T> }, result: T): void {
  options.success?.(result);
  options.complete?.(result);
}

export function failWith(
  options: { fail?: Callback<{ errMsg: string }>; complete?: Callback<never> },
  errMsg: string,
) {
  options.fail?.({ errMsg });
  (options.complete as Callback<{ errMsg: string }>)?.({ errMsg });
}
