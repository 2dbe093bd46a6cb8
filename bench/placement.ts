// Where the bench's processes run. On a small virtual machine the scheduler's choice of core moves a target's
// figures more than the code does: measured on the 2-core machine this bench was tuned on, the same build swung
// between 49 and 60 µs of CPU per request from one round to the next, and a wake-up from one core to another cost
// about 20 µs (direct c=1 p50: 19 µs with wrk and the upstream on one core, 56-65 µs left to the scheduler). So on
// Linux with taskset and 2 cores or more, the load side (the bench, its upstream, wrk) runs on the first cores and
// each measured target alone on the last one, the same placement for every target in every round. The c=1 latency
// is measured twice: with that placement (each hop crosses cores, as on a busy machine) and with the target moved
// onto the load side's cores for the run (the proxy's own latency, without the machine's cross-core wake-up).
// BENCH_PIN=0 leaves every process to the scheduler.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

export interface Placement {
  /** Cores of the load side, as taskset reads them ("0" or "0-6"). */
  load: string;
  /** The measured target's core. */
  target: string;
  /** Every core, to give the bench its whole machine back. */
  all: string;
}

let decided: Placement | null | undefined;

function taskset(args: string[]): boolean {
  try {
    execFileSync('taskset', args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The placement in force, or null when processes are left to the scheduler (BENCH_PIN=0, one core, no taskset). */
export function placement(): Placement | null {
  if (decided !== undefined) return decided;
  const cores = availableParallelism();
  const wanted = process.env.BENCH_PIN !== '0' && process.platform === 'linux' && cores >= 2;
  const last = cores - 1;
  const candidate = { load: last === 1 ? '0' : `0-${last - 1}`, target: String(last), all: `0-${last}` };
  decided = wanted && taskset(['-a', '-p', '-c', candidate.all, String(process.pid)]) ? candidate : null;
  return decided;
}

/** Puts every thread of `pid` on `cores`; true when it took. */
function pin(pid: number, cores: string): boolean {
  return taskset(['-a', '-p', '-c', cores, String(pid)]);
}

/** The bench itself (and so every child it starts from now on: the upstream, wrk) onto the load side. */
export function pinLoadSide(): void {
  const p = placement();
  if (p) pin(process.pid, p.load);
}

/** The bench back onto every core (the sections after this one measure without placement). */
export function releaseLoadSide(): void {
  const p = placement();
  if (p) pin(process.pid, p.all);
}

/** A measured target onto its own core. */
export function pinTarget(pid: number | undefined): void {
  const p = placement();
  if (p && pid !== undefined) pin(pid, p.target);
}

/** Runs `measure` with the target on the load side's cores, then puts it back on its own. */
export async function onLoadSide<T>(pid: number | undefined, measure: () => Promise<T>): Promise<T> {
  const p = placement();
  if (!p || pid === undefined) return measure();
  pin(pid, p.load);
  try {
    return await measure();
  } finally {
    pin(pid, p.target);
  }
}

/** How the report describes the placement. */
export function placementText(): string {
  const p = placement();
  return p
    ? `upstream and wrk on core${p.load.includes('-') ? 's' : ''} ${p.load}, each target alone on core ${p.target} (BENCH_PIN=0: no placement)`
    : 'processes left to the scheduler';
}
