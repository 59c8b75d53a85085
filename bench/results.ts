import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

const FILE = new URL('./RESULTS.md', import.meta.url);

/**
 * bench/RESULTS.md holds one section per benchmark script; each run replaces only its own section,
 * between markers, and the machine line at the top.
 */
export function writeSection(id: string, markdown: string): void {
  const header = [
    '# Benchmark results',
    '',
    'Written by the scripts in bench/ (`npm run bench`, `npm run bench:canteen`); do not edit by hand.',
    `Last machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node.js ${process.version}.`,
    '',
  ].join('\n');
  const existing = existsSync(FILE) ? readFileSync(FILE, 'utf8') : '';
  const sections = new Map<string, string>();
  for (const match of existing.matchAll(/<!-- section:(\S+) -->\n([\s\S]*?)<!-- \/section -->/g)) sections.set(match[1]!, match[2]!);
  sections.set(id, `${markdown.trim()}\n`);
  const body = [...sections.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, text]) => `<!-- section:${key} -->\n${text}<!-- /section -->`)
    .join('\n\n');
  writeFileSync(FILE, `${header}\n${body}\n`);
}
