// Preloaded (--import) into a bench target the profile section samples: SIGUSR2 starts the V8 CPU profiler, the
// next SIGUSR2 stops it and writes $BENCH_PROFILE_DIR/<n>.cpuprofile, so only the measured windows are sampled
// (not start-up, not warm-up). Plain JS: it loads the same way into the built proxy and into the tsx-run floor.
import { writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR;
const session = new inspector.Session();
session.connect();
let running = false;
let written = 0;

process.on('SIGUSR2', () => {
  if (!running) {
    running = true;
    session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')));
    return;
  }
  running = false;
  session.post('Profiler.stop', (error, result) => {
    if (!error && dir) writeFileSync(join(dir, `${++written}.cpuprofile`), JSON.stringify(result.profile));
  });
});
