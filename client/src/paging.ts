import type { ItemOf, OperationId, PagedOperation, ResponseOf } from '@agent-marketplace/contract';
import type { ArgList, Client } from './client.js';

/** Every page of a cursor-paged list, in order, starting from `args.query.cursor` if given. */
export async function* pages<Op extends PagedOperation>(client: Client, op: Op, ...[args]: ArgList<Op>): AsyncGenerator<ResponseOf<Op>> {
  const a = (args ?? {}) as { query?: Record<string, unknown> };
  const call = client.call as (op: OperationId, args: unknown) => Promise<ResponseOf<Op> & { nextCursor: string | null }>;
  let cursor = a.query?.['cursor'] as string | undefined;
  do {
    const page = await call(op, { ...a, query: { ...a.query, cursor } });
    yield page;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** Every item of a cursor-paged list, fetching pages as the loop needs them. */
export async function* items<Op extends PagedOperation>(client: Client, op: Op, ...args: ArgList<Op>): AsyncGenerator<ItemOf<Op>> {
  for await (const page of pages(client, op, ...args)) yield* (page as unknown as { items: ItemOf<Op>[] }).items;
}
