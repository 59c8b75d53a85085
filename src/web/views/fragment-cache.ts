import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { Ente } from '../../db/schema';
import type { Messages } from '../i18n/it';

const NO_ENTE = {};
const cache = new WeakMap<object, Map<string, string>>();

/**
 * HTML of a page part that depends only on the ente and the language (footer, brand, contacts box),
 * rendered once per ente record and language: on a page view these parts were a third of the rendering.
 * The ente directory replaces its records when they change, which drops their entries here.
 */
export function enteFragment(ente: Ente | undefined, m: Messages, part: string, render: () => VNode): string {
  const owner = ente ?? NO_ENTE;
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
