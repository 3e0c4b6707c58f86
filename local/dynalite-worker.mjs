// dynalite (the DynamoDB API on LevelDB) on its own thread, started by
// local/stack.ts: the handlers, the engine and the HTTP routes keep the
// main thread; dynalite's HTTP parsing, expression evaluation and LevelDB work
// run on the second core. A thread, not a child process: a kill -9 of the
// runtime also ends it, so its LevelDB lock never outlives the runtime.
// Plain JavaScript: worker threads do not get tsx's loader.
//
// workerData { path, port, host }; posts { port } once listening, or
// { error: { message, code } }; on the message 'close' closes the server (and
// LevelDB) and exits.
//
// dynalite answers every origin (`Access-Control-Allow-Origin: *`) and checks
// no signature: its request handler sits behind local/loopback-guard.mjs, so a
// web page of another origin (or a DNS-rebinding one) gets 403/421 instead.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { guardServer } from './loopback-guard.mjs';

const { path, port, host } = workerData;
const require = createRequire(import.meta.url);
limitLevelDbMappings(createRequire(require.resolve('dynalite'))('level'));
const dynalite = require('dynalite');
const server = guardServer(dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }));
server.once('error', (err) => parentPort.postMessage({ error: { message: err.message, code: err.code } }));
server.listen(port, host, () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (msg) => {
  if (msg !== 'close') return;
  server.closeAllConnections();
  server.close(() => process.exit(0)); // ends this thread ('exit' handlers run, as in a process)
});

/**
 * LevelDB reads its table files through mmap (up to 1,000 of them), and every
 * page it touched counts in the process's RSS, for as long as the table stays
 * in its table cache (max_open_files). dynalite opens LevelDB with the
 * defaults (1,000 open files, 2 MB tables), so with 10,000 parked leads about
 * 280 MB of table files were mapped. Fewer open tables and smaller ones bound
 * that (64 tables of at most 1 MB): the data is the same, read from the page
 * cache (pread) instead of mapped pages (docs/performance.md, section 5).
 * dynalite takes no LevelDB options, so its `Level` class gets them here.
 */
function limitLevelDbMappings(level) {
  const options = { maxOpenFiles: 74, maxFileSize: 1 << 20 }; // LevelDB keeps 10 of max_open_files for other files
  const Base = level.Level;
  level.Level = class extends Base {
    constructor(location, opts) {
      super(location, { ...opts, ...options });
    }
  };
}
