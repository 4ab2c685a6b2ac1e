import { createHash } from 'node:crypto';
import { AppError, notFound } from '../../domain/errors.js';
import type { Run } from '../../domain/models.js';
import { getInstall } from '../installs/installs.js';
import type { Deps } from '../deps.js';
import { triggerRun } from './runs.js';
import { verifyWebhook } from './webhookSignature.js';

/**
 * The run of one delivery has a fixed id, derived from the signature we computed (secret,
 * timestamp, body): a replay of a captured request is the same id, and the run's atomic create
 * refuses it, however many copies race. No record to keep or expire: the timestamp tolerance
 * ends the window, and a delivery refused before its run was created (a limit, a bad input)
 * may be retried as is.
 */
export const deliveryRunId = (installId: string, signature: string) =>
  `w${createHash('sha256').update(`${installId}\n${signature}`).digest('hex').slice(0, 32)}`;

const replayed = () =>
  new AppError('conflict', 'webhook_replayed', 'This signed request was already delivered; sign each delivery with its own timestamp.');

const bad = () => new AppError('unauthenticated', 'webhook_signature_invalid', 'The webhook signature is missing or does not match.');

/**
 * An inbound webhook: the install's signed URL. The body (a JSON object) becomes the run input,
 * validated against the manifest's inputs schema like any other trigger.
 */
export async function runFromWebhook(
  deps: Pick<Deps, 'installs' | 'runs' | 'dispatchQueue' | 'clock' | 'catalog' | 'secrets' | 'workspaces' | 'config' | 'usage'>,
  input: { wsId: string; installId: string; signature: string | undefined; rawBody: string; body: unknown },
): Promise<Run> {
  const install = await getInstall(deps, input.wsId, input.installId).catch(() => null);
  // Unknown installs and disabled webhooks look the same as a bad signature: no existence leak.
  if (!install || !install.triggers.webhook.enabled || !install.triggers.webhook.secretRef || !input.signature) throw bad();
  const secret = await deps.secrets.get(install.triggers.webhook.secretRef);
  if (!secret) throw bad();
  const { signature } = verifyWebhook(secret, input.signature, input.rawBody, deps.clock.now().getTime() / 1000);
  const runId = deliveryRunId(install.id, signature);
  if (input.body !== undefined && (typeof input.body !== 'object' || input.body === null || Array.isArray(input.body))) {
    throw new AppError('invalid', 'input_invalid', 'The webhook body must be a JSON object (it becomes the run input).');
  }
  if (install.state !== 'active') throw install.state === 'paused' ? new AppError('precondition', 'install_paused', 'This install is paused.') : notFound('Install', 'install_not_found');
  // One read so that a replay says so even when a limit would refuse a new run first.
  if (await deps.runs.get(install.wsId, runId)) throw replayed();
  try {
    return await triggerRun(
      deps,
      { wsId: install.wsId, principal: { kind: 'webhook', wsId: install.wsId, installId: install.id }, role: null, permissions: ['runs.trigger'] },
      { installId: install.id, input: (input.body as Record<string, unknown> | undefined) ?? {}, trigger: { kind: 'webhook', by: `webhook:${install.id}` }, runId },
    );
  } catch (err) {
    // A copy racing this one created the run first.
    if (err instanceof AppError && err.code === 'run_exists') throw replayed();
    throw err;
  }
}
