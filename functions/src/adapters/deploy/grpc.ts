/** gRPC status codes the deploy adapters branch on. */
export const GRPC = { NOT_FOUND: 5, ALREADY_EXISTS: 6, FAILED_PRECONDITION: 9 } as const;
const TRANSIENT = new Set([4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */]);

export const grpcCode = (err: unknown): number | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
};

/** A failure worth retrying later: the task queue redelivers. */
export const transient = (err: unknown): boolean => TRANSIENT.has(grpcCode(err) ?? -1);
