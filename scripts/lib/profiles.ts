/**
 * Port sets for the local stack. `dev` is what `npm start` uses (and what firebase.json
 * lists); `test` is offset so the test suite can run while a dev stack is up; `lifecycle` is
 * the stack scripts/test/startStop.test.ts starts and stops the way `npm start` does, beside
 * the test stack and a developer's `npm start`.
 */
export interface Profile {
  name: 'dev' | 'test' | 'bench' | 'lifecycle';
  projectId: string;
  region: string;
  /** Folders of agents (relative to the repo) the local executor runs and the seed publishes. */
  agentDirs: string[];
  ports: {
    hub: number;
    logging: number;
    auth: number;
    functions: number;
    firestore: number;
    pubsub: number;
    tasks: number;
    hosting: number;
    /** The local SMTP server notification email goes to (scripts/lib/mailOutbox.ts), and its read-only HTTP view. */
    smtp: number;
    mail: number;
    /** The stand-in for Google Cloud's APIs (scripts/lib/cloudStandIn.ts): test and bench stacks only. */
    cloud: number;
  };
}

const base = { hub: 4400, logging: 4500, auth: 9099, functions: 5001, firestore: 8080, pubsub: 8085, tasks: 9499, hosting: 5000, smtp: 2525, mail: 4610, cloud: 4620 };

/**
 * `AM_PORT_SHIFT` moves every profile's ports by that much, so a second checkout (a git
 * worktree, say) can run its own stacks beside this one's.
 */
const shift = Number(process.env['AM_PORT_SHIFT'] ?? 0);
if (!Number.isInteger(shift) || shift < 0 || shift > 30_000) throw new Error(`AM_PORT_SHIFT must be an integer from 0 to 30000, not "${process.env['AM_PORT_SHIFT']}"`);

function offset(by: number): Profile['ports'] {
  return Object.fromEntries(Object.entries(base).map(([k, v]) => [k, v + by + shift])) as Profile['ports'];
}

export const PROFILES: Record<Profile['name'], Profile> = {
  dev: { name: 'dev', projectId: 'demo-agent-marketplace', region: 'us-central1', agentDirs: ['agents'], ports: offset(0) },
  // The test stack also publishes the probe agent, whose input picks a failure to act out.
  test: { name: 'test', projectId: 'demo-agent-marketplace-test', region: 'us-central1', agentDirs: ['agents', 'test/fixtures/agents'], ports: offset(10_000) },
  bench: { name: 'bench', projectId: 'demo-agent-marketplace-bench', region: 'us-central1', agentDirs: ['agents', 'test/fixtures/agents'], ports: offset(20_000) },
  // Offset 5000. Base ports never differ by a multiple of 1000, so within a checkout no two
  // profiles share a port, and the shifts in use (0, 3000, 6000, 9000) keep clear of each other.
  lifecycle: { name: 'lifecycle', projectId: 'demo-agent-marketplace-lifecycle', region: 'us-central1', agentDirs: ['agents'], ports: offset(5_000) },
};

export function isProfileName(name: string): name is Profile['name'] {
  return Object.hasOwn(PROFILES, name);
}

export interface StackUrls {
  web: string;
  api: string;
  functionsApi: string;
  /** Where the Functions emulator serves this project's HTTP functions (`<base>/<name>`). */
  functionsBase: string;
  runnerApi: string;
  auth: string;
  firestore: string;
  firestoreHost: string;
  pubsub: string;
  tasks: string;
  /** The local SMTP server (host:port) and the HTTP view of what it captured (`GET /messages?to=`). */
  smtp: string;
  mailbox: string;
  /** The providers' stand-in (test and bench stacks): CLOUD_API_ROOT, and its `/__standin` controls. */
  cloudStandIn: string;
  /** The Functions emulator's routes for the scheduled functions (a CloudEvent POST runs one once). */
  schedulerTick: string;
  watchdogTick: string;
}

export function urlsOf(p: Profile): StackUrls {
  const h = '127.0.0.1';
  const functionsApi = `http://${h}:${p.ports.functions}/${p.projectId}/${p.region}/api`;
  return {
    web: `http://${h}:${p.ports.hosting}`,
    api: `http://${h}:${p.ports.hosting}/v1`,
    functionsApi: `${functionsApi}/v1`,
    functionsBase: `http://${h}:${p.ports.functions}/${p.projectId}/${p.region}`,
    runnerApi: `${functionsApi}/v1/runner`,
    auth: `http://${h}:${p.ports.auth}`,
    firestore: `http://${h}:${p.ports.firestore}`,
    firestoreHost: `${h}:${p.ports.firestore}`,
    pubsub: `${h}:${p.ports.pubsub}`,
    tasks: `${h}:${p.ports.tasks}`,
    smtp: `${h}:${p.ports.smtp}`,
    mailbox: `http://${h}:${p.ports.mail}`,
    cloudStandIn: `http://${h}:${p.ports.cloud}`,
    schedulerTick: `http://${h}:${p.ports.functions}/functions/projects/${p.projectId}/triggers/${p.region}-scheduleTick-0`,
    watchdogTick: `http://${h}:${p.ports.functions}/functions/projects/${p.projectId}/triggers/${p.region}-runWatchdog-0`,
  };
}
