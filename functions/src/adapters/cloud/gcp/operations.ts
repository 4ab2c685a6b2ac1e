import { CloudProviderError } from '../../../app/cloud/ports.js';
import type { GoogleApi } from './googleApi.js';

/** Compute Engine's Operation resource (compute/v1 `Operation`), the fields read here. */
export interface ComputeOperation {
  name?: string;
  status?: 'PENDING' | 'RUNNING' | 'DONE';
  error?: { errors?: { code?: string; message?: string }[] };
  httpErrorMessage?: string;
}

/** `zoneOperations.wait` answers when the operation is done or after about two minutes: a few waits suffice. */
const MAX_WAITS = 8;
const COMPUTE = 'https://compute.googleapis.com/compute/v1';

/**
 * Waits for a Compute Engine operation with `zoneOperations.wait` / `globalOperations.wait`
 * (`POST .../operations/{operation}/wait`), bounded; an operation that ends in error fails
 * with its errors.
 */
export async function waitForComputeOperation(
  api: GoogleApi,
  token: string,
  scope: { project: string; zone?: string },
  first: ComputeOperation,
  what: string,
): Promise<void> {
  let op = first;
  const base = scope.zone ? `${COMPUTE}/projects/${scope.project}/zones/${scope.zone}/operations` : `${COMPUTE}/projects/${scope.project}/global/operations`;
  for (let n = 0; op.status !== 'DONE'; n++) {
    if (n >= MAX_WAITS || !op.name) {
      throw new CloudProviderError('gcp', 'unavailable', `${what} did not finish in time (operation ${op.name ?? 'unnamed'} is ${op.status ?? 'unknown'}); it may still complete.`);
    }
    op = await api.call<ComputeOperation>({ method: 'POST', url: `${base}/${op.name}/wait`, token, api: `Compute Engine operations.wait (${what})` });
  }
  const errors = op.error?.errors ?? [];
  if (errors.length) {
    const said = errors.map((e) => `${e.code ?? 'ERROR'}: ${e.message ?? ''}`.trim()).join('; ');
    const permission = errors.some((e) => /PERMISSION|FORBIDDEN/i.test(e.code ?? ''));
    throw new CloudProviderError('gcp', permission ? 'permission_denied' : 'invalid', `${what} failed: ${said}`, { providerCode: errors[0]?.code });
  }
}

/** google.longrunning.Operation, as Certificate Manager answers it. */
export interface LongRunningOperation {
  name?: string;
  done?: boolean;
  error?: { code?: number; message?: string };
  response?: Record<string, unknown>;
}

const MAX_POLLS = 10;

/** Polls `GET https://<service>/v1/{operation name}` with a growing pause until `done`, bounded. */
export async function waitForLongRunning(
  api: GoogleApi,
  token: string,
  service: string,
  first: LongRunningOperation,
  what: string,
  pause: (ms: number) => Promise<void>,
): Promise<Record<string, unknown> | undefined> {
  let op = first;
  for (let n = 0; !op.done; n++) {
    if (n >= MAX_POLLS || !op.name) throw new CloudProviderError('gcp', 'unavailable', `${what} did not finish in time (operation ${op.name ?? 'unnamed'}); it may still complete.`);
    await pause(Math.min(8000, 500 * 2 ** n));
    op = await api.call<LongRunningOperation>({ method: 'GET', url: `https://${service}/v1/${op.name}`, token, api: `${what} (operation)` });
  }
  if (op.error) throw new CloudProviderError('gcp', 'invalid', `${what} failed: ${op.error.message ?? `code ${op.error.code}`}`, { providerCode: String(op.error.code ?? '') });
  return op.response;
}
