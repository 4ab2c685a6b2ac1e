/**
 * The agent's view of the customer's cloud. Every agent acts through this one interface;
 * locally it is a sandbox account built from fixture files (with state changes kept by the
 * platform per workspace), in production a connected cloud account.
 */
export interface Resource {
  kind: string;
  id: string;
  name: string;
  project: string;
  region: string;
  /** Lifecycle state, e.g. running, stopped, active. */
  state: string;
  labels: Record<string, string>;
  /** Kind-specific facts: machine type, utilisation, ACLs, expiry... */
  attributes: Record<string, unknown>;
  createdAt?: string;
}

export type Verb = 'stop' | 'start' | 'delete' | 'label' | 'update';

export interface CloudAction {
  kind: string;
  id: string;
  verb: Verb;
  /**
   * `label`: { labels }; `update`: { attributes } of the kinds that define them (contract
   * `sandboxParamsSchema`). The platform computes the effect; other parameters are refused.
   */
  params?: { labels?: Record<string, string>; attributes?: Record<string, unknown> };
  /** Why the agent acts: kept with the change. */
  reason: string;
  /** For an approval-gated action: the one line approvers read ("Stop idle VM web-1, saving $48/month"). */
  summary?: string;
  /** For an approval-gated action: what it is expected to bring; money in integer minor units (cents). */
  impact?: { monthlySavings?: { amountMinor: number; currency: string }; note?: string };
}

/** What the runner API takes for an action (contract `SandboxActionIn`): the agent's intent, nothing else. */
export function actionIntent(action: CloudAction) {
  return {
    kind: action.kind,
    verb: action.verb,
    resourceId: action.id,
    params: action.params ?? {},
    reason: action.reason,
    ...(action.summary ? { summary: action.summary } : {}),
    ...(action.impact ? { impact: action.impact } : {}),
  };
}

export interface ActionResult {
  resource: Resource;
  changed: boolean;
  /**
   * Set when the manifest gates the action behind a human approval: it was proposed, not done
   * (`changed` is false, `resource` as it is now). When the agent's code ends, the run waits for
   * the decisions and the platform applies what is approved; the agent needs no code to wait.
   */
  proposal?: { id: string; state: string };
}

export interface CloudConnection {
  readonly provider: string;
  readonly account: string;
  /** Resources of a kind (scope `<kind>.list`), optionally matching every given field/label. */
  list(kind: string, filter?: { project?: string; region?: string; state?: string; labels?: Record<string, string> }): Promise<Resource[]>;
  get(kind: string, id: string): Promise<Resource | null>;
  /** Rows of a read-only dataset (scope `<dataset>.read`): billing, logs, metrics, iam.usage... */
  dataset<T = Record<string, unknown>>(name: string): Promise<T[]>;
  /** Changes a resource (scope `<kind>.<verb>`); an approval-gated action is proposed instead (`result.proposal`). */
  act(action: CloudAction): Promise<ActionResult>;
}

export class CloudPermissionError extends Error {
  readonly code = 'cloud_permission_denied';
  readonly scope: string;
  constructor(scope: string) {
    super(`The agent's manifest does not grant ${scope}.`);
    this.name = 'CloudPermissionError';
    this.scope = scope;
  }
}

/** The action's parameters are not what its verb takes (`cloud_action_params_invalid`, `cloud_action_unsupported`). */
export class CloudActionError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'CloudActionError';
    this.code = code;
  }
}

export class CloudNotFoundError extends Error {
  readonly code = 'cloud_resource_not_found';
  constructor(kind: string, id: string) {
    super(`No ${kind} ${id} in this account.`);
    this.name = 'CloudNotFoundError';
  }
}
