/**
 * The REST API's response and request shapes, taken from the zod schemas that define the
 * API (functions/src/api/schemas.ts). Type-only: nothing from functions/ or zod reaches the
 * bundle, and a change to the contract fails `tsc -p web` instead of drifting.
 */
import type { z } from 'zod';
import type {
  AddMemberIn,
  AgentOut,
  AgentSummaryOut,
  AgentVersionDetailOut,
  AgentVersionOut,
  ApiKeyOut,
  CreateApiKeyIn,
  CreatedApiKeyOut,
  CreateInstallIn,
  CreateWorkspaceIn,
  InstallOut,
  LogLevel as LogLevelSchema,
  LogLineOut,
  MemberOut,
  MetricsOut,
  PutReviewIn,
  ReviewOut,
  RunEventOut,
  RunOut,
  TriggerRunIn,
  TriggersIn,
  WorkspaceOut,
} from '../../functions/src/api/schemas.js';
import type { Problem as ProblemSchema } from '../../functions/src/api/problem.js';
import type { CatalogQuery as CatalogQuerySchema, SortKey as SortKeySchema } from '../../functions/src/domain/catalogSearch.js';
import type { WIZARD_STEPS } from '../../functions/src/domain/install.js';
import type { Category as CategorySchema, Risk as RiskSchema } from '../../functions/src/domain/manifest.js';
import type { ApiKeyScope as ApiKeyScopeSchema, Role as RoleSchema } from '../../functions/src/domain/roles.js';

export type Page<T> = { items: T[]; nextCursor: string | null };

export type AgentSummary = z.output<typeof AgentSummaryOut>;
export type Agent = z.output<typeof AgentOut>;
export type ManifestView = Agent['view'];
export type AgentVersion = z.output<typeof AgentVersionOut>;
export type AgentVersionDetail = z.output<typeof AgentVersionDetailOut>;
export type Review = z.output<typeof ReviewOut>;
export type PutReview = z.input<typeof PutReviewIn>;
export type Category = z.output<typeof CategorySchema>;
export type Risk = z.output<typeof RiskSchema>;
export type SortKey = z.output<typeof SortKeySchema>;
/** The catalog search as the API reads it (all optional here: the API fills defaults). */
export type CatalogQuery = Partial<Pick<z.output<typeof CatalogQuerySchema>, 'q' | 'category' | 'pricing' | 'minRating' | 'sort' | 'cursor' | 'limit'>>;

export type Workspace = z.output<typeof WorkspaceOut>;
export type Role = z.output<typeof RoleSchema>;
export type Member = z.output<typeof MemberOut>;
export type AddMember = z.input<typeof AddMemberIn>;
export type ApiKey = z.output<typeof ApiKeyOut>;
export type CreatedApiKey = z.output<typeof CreatedApiKeyOut>;
export type CreateApiKey = z.input<typeof CreateApiKeyIn>;
export type ApiKeyScope = z.output<typeof ApiKeyScopeSchema>;

export type Install = z.output<typeof InstallOut>;
export type WizardStep = (typeof WIZARD_STEPS)[number];
export type Triggers = z.input<typeof TriggersIn>;
export type TriggersResult = Install & { webhookSecret: string | null };
/** `GET .../installs/{id}/review` (its schema is declared inline in functions/src/api/routes/installs.ts). */
export interface InstallReview {
  install: Install;
  agent: { id: string; name: string; version: string; pricing: Record<string, unknown>; permissionsByRisk: Record<string, unknown> };
  readiness: { ready: boolean; missing: { step: string; code: string; message: string }[] };
  nextFires: { id: string; times: string[] }[];
}

export type Run = z.output<typeof RunOut>;
export type RunState = Run['state'];

export type CreateWorkspace = z.input<typeof CreateWorkspaceIn>;
export type CreateInstall = z.input<typeof CreateInstallIn>;
export type TriggerRun = z.input<typeof TriggerRunIn>;

export type RunEvent = z.output<typeof RunEventOut>;
export type LogLine = z.output<typeof LogLineOut>;
export type LogLevel = z.output<typeof LogLevelSchema>;

/** `GET /v1/workspaces/{ws}/metrics`: the workspace's, each install's and each agent's run figures. */
export type WorkspaceMetrics = z.output<typeof MetricsOut>;
export type DailyCounts = WorkspaceMetrics['workspace']['daily'][number];

/** application/problem+json, as every error response carries it. */
export type Problem = z.output<typeof ProblemSchema>;
