/**
 * The one DynamoDB pagination loop. A Query or Scan returns at most 1 MB per
 * call and a `LastEvaluatedKey` when there is more; every reader goes through
 * `pages` so none can forget the next page. Works with the plain and the
 * document client alike: the caller sends the request, this only carries the key.
 *
 *   for await (const page of pages((ExclusiveStartKey) => ddb.send(new QueryCommand({ ...input, ExclusiveStartKey })))) ...
 */

/** One page of a Query or Scan: its items and where the next page starts. */
interface Page<Item, Key> {
  Items?: Item[];
  LastEvaluatedKey?: Key;
}

/** Each page in turn, from `startKey` (the first page when undefined) until DynamoDB returns no LastEvaluatedKey. */
export async function* pages<P extends Page<unknown, Key>, Key>(send: (startKey: Key | undefined) => Promise<P>, startKey?: Key): AsyncGenerator<P> {
  let next = startKey;
  do {
    const page = await send(next);
    yield page;
    next = page.LastEvaluatedKey;
  } while (next !== undefined);
}

/** Each item of every page in turn. */
export async function* items<Item, Key>(send: (startKey: Key | undefined) => Promise<Page<Item, Key>>, startKey?: Key): AsyncGenerator<Item> {
  for await (const page of pages(send, startKey)) yield* page.Items ?? [];
}

/** Every item of every page, in one array. */
export async function allItems<Item, Key>(send: (startKey: Key | undefined) => Promise<Page<Item, Key>>): Promise<Item[]> {
  const out: Item[] = [];
  for await (const item of items(send)) out.push(item);
  return out;
}
