// The saved results file: its shape, reading one (a missing or broken file reads as empty), and writing this run's
// sections over the sections of the existing file, so `--only` replaces only what it ran (each section keeps its date).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ChecksResult } from './checks.js';
import type { CommandsResult } from './commands.js';
import type { SigningResult } from './signing.js';
import type { TeamResult } from './team.js';
import type { PolicyResult } from './policy.js';
import type { LoadResult } from './load.js';
import type { ProfileResult } from './profile.js';
import type { ScenariosResult } from './scenarios.js';
import type { StartupResult } from './startup.js';
import type { StdioResult } from './stdio.js';

export const SECTIONS = ['scenarios', 'startup', 'stdio', 'checks', 'signing', 'team', 'commands', 'policy', 'load', 'profile'] as const;
export type Section = (typeof SECTIONS)[number];
/** Sections a plain `npm run bench` leaves out: each takes minutes, and is asked for by name. */
export const ON_REQUEST: readonly Section[] = ['load', 'profile'];

export interface BenchResults {
  date?: string;
  node?: string;
  machine?: { cores: number; loadAverage: number[] };
  /** The headline figures of the merged file (bench/headline.ts), for people reading the JSON. */
  summary?: Record<string, number>;
  scenarios?: ScenariosResult;
  startup?: StartupResult;
  stdio?: StdioResult;
  checks?: ChecksResult;
  signing?: SigningResult;
  team?: TeamResult;
  commands?: CommandsResult;
  policy?: PolicyResult;
  load?: LoadResult;
  profile?: ProfileResult;
  /** Files written before the scenarios section existed hold other keys (rows, summary); compare reads a few. */
  [legacy: string]: unknown;
}

export function readResults(file: string): BenchResults {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as BenchResults) : {};
  } catch {
    return {};
  }
}

/** The sections of `fresh` replace those in the existing `file`; the others stay. Returns what was written. */
export function saveResults(file: string, fresh: BenchResults, summarize: (r: BenchResults) => Record<string, number>): BenchResults {
  const kept = readResults(file);
  const merged: BenchResults = { date: fresh.date, node: fresh.node, machine: fresh.machine };
  for (const section of SECTIONS) {
    const value = fresh[section] ?? kept[section];
    if (value !== undefined) Object.assign(merged, { [section]: value });
  }
  merged.summary = summarize(merged);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
  return merged;
}
