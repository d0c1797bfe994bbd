/** The hosts part of the key builder (keys.ts). */
export interface HostKeys {
  /** String: a host's WeChat binding code → the host id, for ten minutes. */
  bindingCode(code: string): string;
  /** String: the binding code a host asked for last (a new one, or unbinding, drops the one before). */
  bindingCurrent(hostId: string): string;
  /** String: WeChat's verdict on one text of one author (a hash of both), kept a day. */
  textVerdict(hash: string): string;
}

export const hostKeys = (prefix: string): HostKeys => ({
  bindingCode: (code) => `${prefix}:host-binding:${code}`,
  bindingCurrent: (hostId) => `${prefix}:host-binding-current:${hostId}`,
  textVerdict: (hash) => `${prefix}:text-verdict:${hash}`,
});
