// Preloaded into the dev server (NODE_OPTIONS=--import) by bench/scale.ts:
// writes process.memoryUsage() (rss, heapTotal, heapUsed, external,
// arrayBuffers) as JSON to $BENCH_MEM_FILE every second, so the benchmark can
// tell the V8 heap from memory outside it. Preloads also run in worker
// threads (dynalite has one): each thread's heap is its own, so a worker writes
// to $BENCH_MEM_FILE.thread<id> instead.
import { writeFileSync } from 'node:fs';
import { isMainThread, threadId } from 'node:worker_threads';

const file = process.env.BENCH_MEM_FILE;
if (file) {
  const out = isMainThread ? file : `${file}.thread${threadId}`;
  setInterval(() => {
    try {
      writeFileSync(out, JSON.stringify(process.memoryUsage()));
    } catch {
      // never disturb the server
    }
  }, 1000).unref();
}
