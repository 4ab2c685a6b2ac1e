/**
 * Port sets for the local stack. `dev` is what `npm start` uses (and what firebase.json
 * lists); `test` is offset so the test suite can run while a dev stack is up.
 */
export interface Profile {
  name: 'dev' | 'test' | 'bench';
  projectId: string;
  region: string;
  ports: {
    hub: number;
    logging: number;
    auth: number;
    functions: number;
    firestore: number;
    pubsub: number;
    tasks: number;
    hosting: number;
  };
}

const base = { hub: 4400, logging: 4500, auth: 9099, functions: 5001, firestore: 8080, pubsub: 8085, tasks: 9499, hosting: 5000 };

function offset(by: number): Profile['ports'] {
  return Object.fromEntries(Object.entries(base).map(([k, v]) => [k, v + by])) as Profile['ports'];
}

export const PROFILES: Record<Profile['name'], Profile> = {
  dev: { name: 'dev', projectId: 'demo-agent-marketplace', region: 'us-central1', ports: base },
  test: { name: 'test', projectId: 'demo-agent-marketplace-test', region: 'us-central1', ports: offset(10_000) },
  bench: { name: 'bench', projectId: 'demo-agent-marketplace-bench', region: 'us-central1', ports: offset(20_000) },
};

export interface StackUrls {
  web: string;
  api: string;
  functionsApi: string;
  runnerApi: string;
  auth: string;
  firestore: string;
  firestoreHost: string;
  pubsub: string;
  tasks: string;
  /** The Functions emulator's route for the scheduler tick (a CloudEvent POST runs it once). */
  schedulerTick: string;
}

export function urlsOf(p: Profile): StackUrls {
  const h = '127.0.0.1';
  const functionsApi = `http://${h}:${p.ports.functions}/${p.projectId}/${p.region}/api`;
  return {
    web: `http://${h}:${p.ports.hosting}`,
    api: `http://${h}:${p.ports.hosting}/v1`,
    functionsApi: `${functionsApi}/v1`,
    runnerApi: `${functionsApi}/v1/runner`,
    auth: `http://${h}:${p.ports.auth}`,
    firestore: `http://${h}:${p.ports.firestore}`,
    firestoreHost: `${h}:${p.ports.firestore}`,
    pubsub: `${h}:${p.ports.pubsub}`,
    tasks: `${h}:${p.ports.tasks}`,
    schedulerTick: `http://${h}:${p.ports.functions}/functions/projects/${p.projectId}/triggers/${p.region}-scheduleTick-0`,
  };
}
