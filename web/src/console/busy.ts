/** Buttons whose request is in flight: a click or a form's submit on one of them waits. */
const inFlight = new WeakSet<HTMLButtonElement>();

/**
 * Runs `work` (a form's request and what follows it) with `button` disabled, so a second click,
 * or Enter in one of the form's fields, cannot send the request again while the first is on its
 * way (a lottery's WeChat text check takes seconds). A call while it runs does nothing. The
 * button comes back when the work ends, done or failed, for the next item or a retry.
 */
export async function whileBusy(button: HTMLButtonElement, work: () => Promise<void>): Promise<void> {
  if (inFlight.has(button)) return;
  inFlight.add(button);
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await work();
  } finally {
    inFlight.delete(button);
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}
