import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { Ente } from '../../db/schema';
import type { Messages } from '../i18n/it';

const NO_ENTE = {};
const cache = new WeakMap<object, Map<string, string>>();

/**
 * HTML of a page part that depends only on one shared, unchanging object and the language, rendered once
 * per object and language. The object is the key: when its owner replaces it (a new ente record, a new
 * menu after a minute), its entries go with it.
 */
export function cachedFragment(owner: object, m: Messages, part: string, render: () => VNode): string {
  let parts = cache.get(owner);
  if (!parts) {
    parts = new Map();
    cache.set(owner, parts);
  }
  const key = `${m.lang}:${part}`;
  let html = parts.get(key);
  if (html === undefined) {
    html = renderToString(render());
    parts.set(key, html);
  }
  return html;
}

/**
 * The parts that depend only on the ente and the language (footer, brand, contacts box): on a page view
 * these were a third of the rendering. The ente directory replaces its records when they change.
 */
export function enteFragment(ente: Ente | undefined, m: Messages, part: string, render: () => VNode): string {
  return cachedFragment(ente ?? NO_ENTE, m, part, render);
}
