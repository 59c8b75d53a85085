import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { version } = require('bootstrap-italia/package.json') as { version: string };

/** Versioned URL prefixes, so that assets can be cached for a year and still change on upgrade. */
export const BOOTSTRAP_ITALIA_PREFIX = `/static/bootstrap-italia-${version}/`;
export const APP_ASSETS_PREFIX = '/static/app/';
export const SPRITES = `${BOOTSTRAP_ITALIA_PREFIX}svg/sprites.svg`;

const FONT_FACES = [
  { family: 'Titillium Web', file: 'Titillium_Web/titillium-web-v10-latin-ext_latin-300', weight: 300, style: 'normal' },
  { family: 'Titillium Web', file: 'Titillium_Web/titillium-web-v10-latin-ext_latin-regular', weight: 400, style: 'normal' },
  { family: 'Titillium Web', file: 'Titillium_Web/titillium-web-v10-latin-ext_latin-italic', weight: 400, style: 'italic' },
  { family: 'Titillium Web', file: 'Titillium_Web/titillium-web-v10-latin-ext_latin-600', weight: 600, style: 'normal' },
  { family: 'Titillium Web', file: 'Titillium_Web/titillium-web-v10-latin-ext_latin-700', weight: 700, style: 'normal' },
  { family: 'Roboto Mono', file: 'Roboto_Mono/roboto-mono-v13-latin-ext_latin-regular', weight: 400, style: 'normal' },
  { family: 'Roboto Mono', file: 'Roboto_Mono/roboto-mono-v13-latin-ext_latin-700', weight: 700, style: 'normal' },
  { family: 'Lora', file: 'Lora/lora-v20-latin-ext_latin-regular', weight: 400, style: 'normal' },
  { family: 'Lora', file: 'Lora/lora-v20-latin-ext_latin-700', weight: 700, style: 'normal' },
];

export const FONTS_CSS_PATH = '/static/fonts.css';

/**
 * Bootstrap Italia loads its fonts from JavaScript; pages must look right without it, so the
 * @font-face rules are served as CSS, pointing at the fonts of the installed package.
 */
export const FONTS_CSS = FONT_FACES.map(
  (font) =>
    `@font-face{font-family:"${font.family}";font-style:${font.style};font-weight:${font.weight};font-display:swap;` +
    `src:url("${BOOTSTRAP_ITALIA_PREFIX}fonts/${font.file}.woff2") format("woff2")}`,
).join('\n');
