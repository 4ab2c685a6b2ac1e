import semver from 'semver';
import { z } from 'zod';
import shipped from './advisories.json' with { type: 'json' };

/**
 * The advisory list the dependency check matches against. It ships with the platform and is
 * read offline, so its date is part of every report: a clean result means "nothing known as of
 * that date", not "nothing known".
 */
export const AdvisorySeverity = z.enum(['low', 'moderate', 'high', 'critical']);
export type AdvisorySeverity = z.infer<typeof AdvisorySeverity>;

export const Advisory = z
  .object({
    id: z.string().regex(/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/, 'a GHSA id'),
    package: z.string().min(1),
    vulnerableRange: z.string().refine((r) => semver.validRange(r) !== null, 'a semver range'),
    severity: AdvisorySeverity,
    title: z.string().min(1),
    fixedIn: z.string().nullable(),
  })
  .strict();
export type Advisory = z.infer<typeof Advisory>;

export const AdvisoryList = z
  .object({
    generatedAt: z.iso.date(),
    source: z.string().min(1),
    advisories: z.array(Advisory),
  })
  .strict();
export type AdvisoryList = z.infer<typeof AdvisoryList>;

let cached: AdvisoryList | undefined;

/** The list in `advisories.json`, validated once. A malformed list is a build bug: it throws. */
export function shippedAdvisories(): AdvisoryList {
  cached ??= AdvisoryList.parse(shipped);
  return cached;
}

/** Severities that stop a version when a locked (or exactly pinned) production dependency has them. */
export const BLOCKING_SEVERITIES: ReadonlySet<AdvisorySeverity> = new Set(['high', 'critical']);

const OPTIONS = { includePrerelease: true };

/** `^1.2.0`, `>=2 <3`, `*`: a semver range (git URLs, `file:` paths and dist-tags are not). */
export const isSemverRange = (spec: string): boolean => semver.validRange(spec, OPTIONS) !== null;

/** Advisories whose range holds this exact version. */
export function advisoriesFor(list: AdvisoryList, name: string, version: string): Advisory[] {
  if (!semver.valid(version)) return [];
  return list.advisories.filter((a) => a.package === name && semver.satisfies(version, a.vulnerableRange, OPTIONS));
}

/** Advisories whose range shares a version with a dependency's declared range (`^4.17.0`). */
export function advisoriesAdmittedBy(list: AdvisoryList, name: string, range: string): Advisory[] {
  if (!semver.validRange(range, OPTIONS)) return [];
  return list.advisories.filter((a) => a.package === name && semver.intersects(range, a.vulnerableRange, OPTIONS));
}
