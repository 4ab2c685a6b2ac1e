/**
 * The REST API's response and request shapes, taken from the zod schemas that define the
 * API (functions/src/api/schemas.ts). Type-only: nothing from functions/ or zod reaches the
 * bundle, and a change to the contract fails `tsc -p web` instead of drifting.
 */
import type { z } from 'zod';
import type {
  AgentOut,
  AgentSummaryOut,
  CreateInstallIn,
  CreateWorkspaceIn,
  InstallOut,
  LogLevel as LogLevelSchema,
  LogLineOut,
  RunEventOut,
  RunOut,
  TriggerRunIn,
  WorkspaceOut,
} from '../../functions/src/api/schemas.js';
import type { Problem as ProblemSchema } from '../../functions/src/api/problem.js';

export type Page<T> = { items: T[]; nextCursor: string | null };

export type AgentSummary = z.output<typeof AgentSummaryOut>;
export type Agent = z.output<typeof AgentOut>;
export type Workspace = z.output<typeof WorkspaceOut>;
export type Install = z.output<typeof InstallOut>;
export type Run = z.output<typeof RunOut>;
export type RunState = Run['state'];

export type CreateWorkspace = z.input<typeof CreateWorkspaceIn>;
export type CreateInstall = z.input<typeof CreateInstallIn>;
export type TriggerRun = z.input<typeof TriggerRunIn>;

export type RunEvent = z.output<typeof RunEventOut>;
export type LogLine = z.output<typeof LogLineOut>;
export type LogLevel = z.output<typeof LogLevelSchema>;

/** application/problem+json, as every error response carries it. */
export type Problem = z.output<typeof ProblemSchema>;
