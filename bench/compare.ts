// `--compare old.json`: each headline figure of the sections this run measured, old → new with the change in %,
// marked better/worse by the figure's direction; figures the old file lacks show `-` (older layouts are fine).
import { HEADLINES, show, valueOf, type Headline } from './headline.js';
import type { BenchResults, Section } from './results.js';
import { table } from './table.js';

/** Changes smaller than this (in %) are not called better or worse: run-to-run noise on a shared machine. */
const NOISE_PCT = 3;

function change(hl: Headline, old: number | undefined, now: number | undefined): [string, string] {
  if (old === undefined || now === undefined) return ['-', ''];
  if (old === now) return ['0.0%', ''];
  const improved = hl.better === 'higher' ? now > old : now < old;
  // A % of a value near or across zero (a difference between two targets) says nothing: show the difference itself.
  if (old === 0 || old < 0 !== now < 0) return [`${now > old ? '+' : ''}${show(hl, now - old)}`, improved ? 'better' : 'worse'];
  const pct = ((now - old) / Math.abs(old)) * 100;
  return [`${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`, Math.abs(pct) < NOISE_PCT ? '' : improved ? 'better' : 'worse'];
}

export function printCompare(file: string, old: BenchResults, now: BenchResults, sections: Section[]): void {
  const body = HEADLINES.filter((hl) => sections.includes(hl.section)).map((hl) => {
    const [a, b] = [valueOf(hl, old), valueOf(hl, now)];
    return [hl.label, show(hl, a), show(hl, b), ...change(hl, a, b)];
  });
  const when = typeof old.date === 'string' ? ` (${old.date})` : '';
  console.log(`\n## compared with ${file}${when}\n\n${table(['figure', 'old', 'new', 'change', ''], body)}\n`);
}
