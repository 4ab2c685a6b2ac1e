import type { AgentAnalytics, PublisherAnalytics } from '@agent-marketplace/contract/publishing';
import { agentRunAnalytics, emptyStats, monthsBetween, periodOf, ratingsByMonth, revenueOf, runStatsOf } from '../../domain/agentStats.js';
import type { AgentListing } from '../../domain/models.js';
import type { RevenueEntry } from '../../domain/revenueShare.js';
import { averageOf } from '../../domain/reviews.js';
import { compareVersionsDesc } from '../../domain/versions.js';
import type { Deps } from '../deps.js';
import { everyItem } from '../shared/paging.js';
import type { Principal } from '../shared/principal.js';
import { requirePublisher } from './publishers.js';

/**
 * A publisher's analytics (docs/publishing.md "Analytics"): per agent and version, installs,
 * runs of the last `days` days from the agents' daily stats, revenue from the earnings store,
 * ratings from the reviews. Members with `publisher.read` only; to others the publisher does
 * not exist.
 */
type AnalyticsDeps = Pick<Deps, 'publishers' | 'versions' | 'agentStats' | 'earnings' | 'catalog' | 'clock'>;

/** Reviews read per agent for the monthly series: the latest ones, a bounded read. */
export const MAX_REVIEWS_READ = 1000;

interface Period {
  from: string;
  to: string;
  months: string[];
}

export async function publisherAnalytics(deps: AnalyticsDeps, principal: Principal | null, publisherId: string, query: { days: number }): Promise<PublisherAnalytics> {
  await requirePublisher(deps, principal, publisherId, 'publisher.read');
  const { from, to, start, end } = periodOf(deps.clock.now(), query.days);
  const [agents, revenue] = await Promise.all([deps.versions.agentsOf(publisherId), deps.earnings.entriesBetween(publisherId, start, end)]);
  const period = { from, to, months: monthsBetween(from, to) };
  return { publisherId, from, to, agents: await Promise.all(agents.map((listing) => agentAnalytics(deps, listing, period, revenue))) };
}

async function agentAnalytics(deps: AnalyticsDeps, listing: AgentListing, period: Period, revenue: readonly RevenueEntry[]): Promise<AgentAnalytics> {
  const [versions, shards, reviews] = await Promise.all([
    deps.versions.list(listing.id),
    deps.agentStats.read(listing.id, period.from, period.to),
    everyItem((page) => deps.catalog.listReviews(listing.id, page), { limit: 250, max: MAX_REVIEWS_READ }),
  ]);
  const runs = agentRunAnalytics(shards, period.from, period.to);
  // Installs exist only of published versions; a version with runs is listed even if its document is gone.
  const names = [...new Set([...versions.filter((v) => v.state === 'published').map((v) => v.version), ...runs.versions.keys()])].sort(compareVersionsDesc);
  const active = await deps.agentStats.activeInstalls(listing.id, names);
  const money = revenueOf(revenue, listing.id, period.months);
  return {
    agentId: listing.id,
    name: listing.name,
    installs: { total: listing.installCount ?? 0, active: names.reduce((n, v) => n + (active[v] ?? 0), 0) },
    runs: runs.runs,
    revenue: { gross: money.gross, publisherShare: money.publisherShare },
    rating: { avg: averageOf(listing.ratingSum ?? 0, listing.ratingCount ?? 0), count: listing.ratingCount ?? 0 },
    versions: names.map((version) => ({ version, activeInstalls: active[version] ?? 0, runs: runs.versions.get(version) ?? runStatsOf(emptyStats()) })),
    daily: runs.daily,
    ratingsByMonth: ratingsByMonth(reviews.slice(0, MAX_REVIEWS_READ)),
    revenueByMonth: money.byMonth,
  };
}
