// Preloaded into the dev server (NODE_OPTIONS=--import; node refuses --cpu-prof
// there) by bench/lib/profile.ts: the same V8 CPU profile `node --cpu-prof`
// writes, saved on exit to $BENCH_CPU_PROF_DIR. SIGUSR2 restarts it, so a
// benchmark can leave start-up and warm-up out of the profile. Preloads also
// run in worker threads (dynalite has one): each thread writes its own file,
// server-<pid>-t<threadId>.cpuprofile (t0: the main thread).
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  process.on('SIGUSR2', () => {
    session.post('Profiler.stop', () => session.post('Profiler.start'));
  });
  process.on('exit', () => {
    // In-process inspector sessions answer synchronously, so this works in 'exit'.
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, `server-${process.pid}-t${threadId}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
