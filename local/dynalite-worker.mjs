// dynalite (the DynamoDB API on LevelDB) on its own thread, started by
// local/dev-runtime.ts: the handlers, the engine and the HTTP routes keep the
// main thread; dynalite's HTTP parsing, expression evaluation and LevelDB work
// run on the second core. A thread, not a child process: a kill -9 of the
// runtime also ends it, so its LevelDB lock never outlives the runtime.
// Plain JavaScript: worker threads do not get tsx's loader.
//
// Two ways in, one dynalite: its HTTP server (the AWS CLI, tests, anything
// outside the process), and the MessagePort `requests`, where the runtime's
// own SDK clients post their requests (local/sdk-transport.ts): each runs
// through dynalite's same request listener without a socket (local/inject.mjs)
// and the answer is posted back.
//
// workerData { path, port, host, requests }; posts { port } once listening,
// or { error: { message, code } }; on `requests`, answers { id, request } with
// { id, response } or { id, error }; on the message 'close' closes the server
// (and LevelDB) and exits.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { injectRequest, requestListenerOf } from './inject.mjs';

const { path, port, host, requests } = workerData;
const dynalite = createRequire(import.meta.url)('dynalite');
const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.once('error', (err) => parentPort.postMessage({ error: { message: err.message, code: err.code } }));
server.listen(port, host, () => parentPort.postMessage({ port: server.address().port }));
const listener = requestListenerOf(server);
requests.on('message', ({ id, request }) => {
  injectRequest(listener, request).then(
    (response) => requests.postMessage({ id, response }),
    (err) => requests.postMessage({ id, error: err instanceof Error ? err.message : String(err) }),
  );
});
parentPort.on('message', (msg) => {
  if (msg !== 'close') return;
  requests.close();
  server.closeAllConnections();
  server.close(() => process.exit(0)); // ends this thread ('exit' handlers run, as in a process)
});
