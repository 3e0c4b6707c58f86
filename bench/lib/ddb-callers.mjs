// Preloaded into the dev server (NODE_OPTIONS=--import) by bench/requests.ts:
// records every DynamoDB request the server's own SDK clients send, with the
// function that sent it, one JSON line per request in $BENCH_DDB_CALLERS_LOG.
// It wraps Node's HTTP client, where the SDK hands over a request's body.
// The caller is read from the request's async stack trace (V8 keeps the
// awaiting frames): the outermost `functions/<name>.ts` frame is the handler,
// the `functions/lib/...` frames say which helper made the call. Nothing in
// the product changes.
import { ClientRequest } from 'node:http';
import { appendFileSync } from 'node:fs';

const file = process.env.BENCH_DDB_CALLERS_LOG;
const FRAME = /at (?:async )?([\w$.<>]+) .*\/functions\/(?:lib\/[a-z]+\/)?([a-z0-9-]+)\.ts/;

if (file) {
  const end = ClientRequest.prototype.end;
  ClientRequest.prototype.end = function (chunk, ...rest) {
    try {
      const target = this.getHeader('x-amz-target');
      if (typeof target === 'string' && target.startsWith('DynamoDB_')) {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 200;
        const stack = new Error().stack ?? '';
        Error.stackTraceLimit = limit;
        const frames = stack.split('\n').filter((l) => l.includes('/functions/'));
        const handler = frames.map((l) => /\/functions\/([a-z0-9-]+)\.ts/.exec(l)?.[1]).filter(Boolean).pop() ?? null;
        const via = frames.map((l) => FRAME.exec(l)).filter(Boolean).map((m) => `${m[1]}@${m[2]}`);
        let body = {};
        try {
          body = JSON.parse(typeof chunk === 'string' || chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : '{}');
        } catch {
          body = {};
        }
        // The key's kind only (LEAD/PROFILE, LINK, MAIL...): no ids, no personal data. A query's from its :pk and :prefix.
        const key = body.Key ?? body.Item;
        const values = body.ExpressionAttributeValues ?? {};
        const kind = (v) => (typeof v?.S === 'string' ? v.S.split('#')[0] : null);
        const line = {
          op: target.slice(target.indexOf('.') + 1),
          table: body.TableName ?? null,
          handler,
          via,
          pk: kind(key?.pk ?? values[':pk']),
          sk: kind(key?.sk ?? values[':prefix'] ?? values[':sk']),
          index: body.IndexName ?? null,
        };
        appendFileSync(file, `${JSON.stringify(line)}\n`);
      }
    } catch {
      // never disturb the server
    }
    return end.call(this, chunk, ...rest);
  };
}
