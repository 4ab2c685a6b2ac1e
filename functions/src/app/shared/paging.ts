/** A page of a list, and the request for one (cursor paging, as the API speaks it). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

/**
 * Every item of a cursor-paged listing, page after page (`limit` per page), stopping once at
 * least `max` items are read: for the few listings a use case needs whole (a workspace's
 * installs or members).
 */
export async function everyItem<T>(list: (page: PageRequest) => Promise<Page<T>>, options: { limit?: number; max?: number } = {}): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit: options.limit ?? 100, cursor });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && out.length < (options.max ?? Infinity));
  return out;
}
