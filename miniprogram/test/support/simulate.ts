import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
/** jsdom ships no types of its own; this is the part used here. */
const { JSDOM } = require('jsdom') as { JSDOM: new (html: string) => { window: Window } };

/** What the tests use of a j-component element (miniprogram-simulate's rendering). */
export interface SimElement {
  dom: HTMLElement;
  dispatchEvent(name: string, detail?: unknown): void;
  querySelector(selector: string): SimElement | undefined;
  querySelectorAll(selector: string): SimElement[];
}

/** A rendered page: its elements and its instance (`this` inside the page's methods). */
export interface SimPage<I> extends SimElement {
  instance: I;
  attach(parent: Element): void;
  detach(): void;
}

interface Simulate {
  load(path: string, options: { rootPath: string }): string;
  render(id: string): SimPage<unknown>;
  sleep(ms: number): Promise<void>;
}

let simulate: Simulate | undefined;

/**
 * miniprogram-simulate with a DOM: jsdom's window and document as globals, set only here (and
 * after the server's own modules are loaded), since j-component renders into a DOM.
 */
function simulator(): Simulate {
  if (!simulate) {
    const { window } = new JSDOM('<!doctype html><html><body></body></html>');
    const globals = globalThis as Record<string, unknown>;
    for (const name of [
      'window',
      'document',
      'Event',
      'CustomEvent',
      'HTMLElement',
      'Node',
      'getComputedStyle',
    ]) {
      globals[name] = name === 'window' ? window : (window as unknown as Record<string, unknown>)[name];
    }
    simulate = require('miniprogram-simulate') as Simulate;
  }
  return simulate;
}

/**
 * Loads and attaches a page of the compiled mini-program, with WeChat's WXML compiler (as
 * DevTools compiles it), and gives its elements and instance.
 */
export function renderPage<I>(compiledRoot: string, page: string): SimPage<I> {
  const sim = simulator();
  const id = sim.load(join(compiledRoot, page), { rootPath: compiledRoot });
  const rendered = sim.render(id) as SimPage<I>;
  rendered.attach(document.createElement('parent-wrapper'));
  return rendered;
}

/** Lets pending setData calls and events settle. */
export const settle = (ms = 10) => simulator().sleep(ms);

/** The text of every element matching a selector, trimmed. */
export const textsOf = (root: SimElement, selector: string): string[] =>
  root.querySelectorAll(selector).map((el) => (el.dom.textContent ?? '').trim());
