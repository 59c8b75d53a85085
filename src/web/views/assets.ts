import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { version } = require('bootstrap-italia/package.json') as { version: string };

/** Versioned URL prefixes, so that assets can be cached for a year and still change on upgrade. */
export const BOOTSTRAP_ITALIA_PREFIX = `/static/bootstrap-italia-${version}/`;
export const APP_ASSETS_PREFIX = '/static/app/';
export const SPRITES = `${BOOTSTRAP_ITALIA_PREFIX}svg/sprites.svg`;
