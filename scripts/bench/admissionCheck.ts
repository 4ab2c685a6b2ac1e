import type { Firestore } from 'firebase-admin/firestore';

export interface Answered {
  wsId: string;
  installId: string;
  /** Runs the callers were told exist (201s). */
  admitted: string[];
  /** Requests that got no answer from the API (a proxy gave up): each may or may not have made a run. */
  unanswered: number;
  /** Of those, the ones the bench finished since (and was told so): they must have finished. */
  finished: Set<string>;
  /** Tasks the dispatch queue received: their runs when the bench sees them, else only how many. */
  tasks: { runIds: string[] } | { count: number };
}

/**
 * What the store holds after a round of triggers, checked against what the callers were told:
 * exactly the admitted runs exist (none lost, none extra, none twice), each was charged to one
 * month quota shard and each shard counts exactly the runs charged to it, each run in progress
 * holds the concurrency slots it names and no slot is held by anything else. Returns the
 * problems found (none: exact).
 */
export async function checkAdmitted(db: Firestore, a: Answered, month: string): Promise<string[]> {
  const problems: string[] = [];
  const ws = db.doc(`workspaces/${a.wsId}`);
  const [runs, wsSlots, installSlots, shards] = await Promise.all([
    ws.collection('runs').get(),
    ws.collection('runSlots').get(),
    ws.collection('installs').doc(a.installId).collection('runSlots').get(),
    ws.collection('runMonths').doc(month).collection('shards').get(),
  ]);
  const admitted = new Set(a.admitted);
  if (admitted.size !== a.admitted.length) problems.push(`${a.admitted.length - admitted.size} run ids answered twice`);
  const stored = new Set(runs.docs.map((d) => d.id));
  const lost = [...admitted].filter((id) => !stored.has(id));
  const extra = [...stored].filter((id) => !admitted.has(id));
  if (lost.length) problems.push(`${lost.length} admitted runs missing`);
  if (extra.length > a.unanswered) problems.push(`${extra.length} runs stored that no caller was told of (${a.unanswered} requests unanswered)`);

  const perRun = (docs: FirebaseFirestore.QueryDocumentSnapshot[]) => {
    const held = new Map<string, number>();
    for (const d of docs) held.set(d.get('runId') as string, (held.get(d.get('runId') as string) ?? 0) + 1);
    return held;
  };
  // The month's quota: each run names the shard it was charged to, and each shard counts exactly its runs, within its cap.
  const charged = new Map<number, number>();
  for (const d of runs.docs) charged.set(d.get('monthShard') as number, (charged.get(d.get('monthShard') as number) ?? 0) + 1);
  const shardWrong = shards.docs.filter((d) => d.get('runs') !== (charged.get(Number(d.id.slice(1))) ?? 0) || d.get('runs') > d.get('cap')).length;
  const unsharded = [...charged.keys()].filter((i) => !shards.docs.some((d) => Number(d.id.slice(1)) === i)).length;
  if (shardWrong || unsharded) problems.push(`${shardWrong + unsharded} month quota shards not counting exactly their runs within their cap`);

  // In progress is what the store says: a finish whose answer was lost may still have happened.
  const terminal = new Set(runs.docs.filter((d) => ['succeeded', 'failed', 'canceled', 'timed_out'].includes(d.get('state') as string)).map((d) => d.id));
  const unfinished = [...a.finished].filter((id) => !terminal.has(id)).length;
  if (unfinished) problems.push(`${unfinished} runs the bench was told were finished are not`);
  const inProgress = new Set([...stored].filter((id) => !terminal.has(id)));
  const admittedOrUnanswered = (id: string) => admitted.has(id) || extra.includes(id);
  const limited = runs.docs.some((d) => (d.get('slots') as string[]).some((id) => id.startsWith('i')));
  for (const [name, docs, expected] of [
    ['workspace', wsSlots.docs, true],
    ['install', installSlots.docs, limited],
  ] as const) {
    const held = perRun(docs);
    const slotOf = new Map(docs.map((d) => [d.get('runId') as string, d.id]));
    const wrong = expected
      ? [...inProgress].filter((id) => held.get(id) !== 1 || !(runs.docs.find((r) => r.id === id)!.get('slots') as string[]).includes(slotOf.get(id)!)).length
      : 0;
    const stray = [...held.keys()].filter((id) => !inProgress.has(id)).length;
    if (wrong) problems.push(`${wrong} runs in progress without exactly one ${name} slot`);
    if (stray) problems.push(`${stray} ${name} slots held by no run in progress`);
  }
  if ('runIds' in a.tasks) {
    const tasks = new Map<string, number>();
    for (const id of a.tasks.runIds) tasks.set(id, (tasks.get(id) ?? 0) + 1);
    const wrong = [...admitted].filter((id) => tasks.get(id) !== 1).length + [...tasks.keys()].filter((id) => !admittedOrUnanswered(id)).length;
    if (wrong) problems.push(`${wrong} runs without exactly one dispatch task`);
  } else if (a.tasks.count < admitted.size || a.tasks.count > stored.size) {
    problems.push(`${a.tasks.count} dispatch tasks enqueued for ${admitted.size} admitted runs (${stored.size} stored)`);
  }
  return problems;
}
