// Preloaded into the dev server (NODE_OPTIONS=--import) by the cost benchmark:
// records every DynamoDB API request the server receives (dynalite), with its
// request and response bodies reduced to what pricing needs, one JSON line per
// request in $BENCH_DDB_LOG. Nothing in the product changes: it only listens
// on Node's http diagnostics channel.
import { subscribe } from 'node:diagnostics_channel';
import { appendFileSync } from 'node:fs';

const file = process.env.BENCH_DDB_LOG;
if (file) {
  subscribe('http.server.request.start', ({ request, response }) => {
    const target = request.headers['x-amz-target'];
    if (typeof target !== 'string' || !target.startsWith('DynamoDB_')) return;
    const reqChunks = [];
    request.on('data', (c) => reqChunks.push(c));
    const resChunks = [];
    const write = response.write.bind(response);
    const end = response.end.bind(response);
    response.write = (chunk, ...rest) => {
      if (chunk) resChunks.push(Buffer.from(chunk));
      return write(chunk, ...rest);
    };
    response.end = (chunk, ...rest) => {
      if (chunk && typeof chunk !== 'function') resChunks.push(Buffer.from(chunk));
      try {
        const op = target.slice(target.indexOf('.') + 1);
        const req = JSON.parse(Buffer.concat(reqChunks).toString('utf8') || '{}');
        let res = {};
        try {
          res = JSON.parse(Buffer.concat(resChunks).toString('utf8') || '{}');
        } catch {
          res = {};
        }
        const line = {
          t: Date.now(),
          op,
          table: req.TableName ?? null,
          index: req.IndexName ?? null,
          status: response.statusCode,
          consistent: req.ConsistentRead === true,
          key: req.Key ?? (req.Item ? { pk: req.Item.pk, sk: req.Item.sk } : null),
          putBytes: req.Item ? JSON.stringify(req.Item).length : 0,
          putGsis: req.Item ? Object.keys(req.Item).filter((k) => /^gsi\d+pk$/.test(k)) : [],
          update: req.UpdateExpression ?? null,
          readBytes: res.Item ? JSON.stringify(res.Item).length : Array.isArray(res.Items) ? JSON.stringify(res.Items).length : 0,
          count: typeof res.Count === 'number' ? res.Count : res.Item ? 1 : 0,
          select: req.Select ?? null,
          // The benchmark's own reads (a request's reminder time), not the product's: left out of the counts.
          probe: request.headers['x-bench-probe'] === '1',
        };
        appendFileSync(file, `${JSON.stringify(line)}\n`);
      } catch {
        // never disturb the server
      }
      return end(chunk, ...rest);
    };
  });
}
