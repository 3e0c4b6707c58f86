// Preloaded into the dev server (NODE_OPTIONS=--import) by bench/scale.ts:
// writes process.memoryUsage() (rss, heapUsed, external, arrayBuffers) as JSON
// to $BENCH_MEM_FILE every second, so the benchmark can tell the V8 heap from
// memory outside it.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_MEM_FILE;
if (file) {
  setInterval(() => {
    try {
      writeFileSync(file, JSON.stringify(process.memoryUsage()));
    } catch {
      // never disturb the server
    }
  }, 1000).unref();
}
