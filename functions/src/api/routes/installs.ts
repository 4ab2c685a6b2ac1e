import { endpoints } from '@agent-marketplace/contract';
import { manifestView } from '../../app/catalog/catalog.js';
import {
  chooseVersion,
  configure,
  deployInstall,
  getInstall,
  installVersionStatus,
  giveConsent,
  listInstalls,
  removeSecret,
  reviewInstall,
  setPaused,
  setRunPolicy,
  setSecret,
  setTriggers,
  startInstall,
  uninstall,
  upgradeInstall,
} from '../../app/installs/installs.js';
import type { Install } from '../../domain/models.js';
import { DEFAULT_RUN_POLICY } from '../../domain/runPolicy.js';
import { implement } from '../route.js';

/** What clients see of an install: secret names and times, never references or values. */
export function installView(i: Install) {
  return {
    ...i,
    runPolicy: i.runPolicy ?? DEFAULT_RUN_POLICY,
    connection: i.connection ?? null,
    secrets: Object.entries(i.secrets).map(([name, s]) => ({ name, setAt: s.setAt, setBy: s.setBy })),
    triggers: {
      manual: i.triggers.manual,
      schedules: i.triggers.schedules,
      webhook: { enabled: i.triggers.webhook.enabled, url: i.triggers.webhook.enabled ? `/v1/hooks/${i.wsId}/${i.id}` : null },
    },
  };
}

const ok = (install: Install) => ({ body: installView(install) });

export const installRoutes = [
  implement(endpoints.listInstalls, async ({ deps, params, query }) => {
      const page = await listInstalls(deps, params.wsId, query);
      return { body: { items: page.items.filter((i) => i.state !== 'uninstalled').map(installView), nextCursor: page.nextCursor } };
    }),
  implement(endpoints.startInstall, async ({ deps, access, body, creation }) => {
      const install = await startInstall(deps, access!, body, creation);
      return { body: installView(install), headers: { Location: `/v1/workspaces/${install.wsId}/installs/${install.id}` } };
    }),
  implement(endpoints.getInstall, async ({ deps, params }) => ok(await getInstall(deps, params.wsId, params.installId))),
  implement(endpoints.getInstallVersionStatus, async ({ deps, params }) => ({ body: await installVersionStatus(deps, params.wsId, params.installId) })),
  implement(endpoints.chooseVersion, async ({ deps, access, params, body }) => ok(await chooseVersion(deps, access!, params.installId, body))),
  implement(endpoints.configureInstall, async ({ deps, access, params, body }) => ok(await configure(deps, access!, params.installId, body))),
  implement(endpoints.setInstallSecret, async ({ deps, access, params, body }) => ok(await setSecret(deps, access!, params.installId, params.name, body.value))),
  implement(endpoints.removeInstallSecret, async ({ deps, access, params }) => ok(await removeSecret(deps, access!, params.installId, params.name))),
  implement(endpoints.consentInstall, async ({ deps, access, params, body }) => ok(await giveConsent(deps, access!, params.installId, body))),
  implement(endpoints.setInstallTriggers, async ({ deps, access, params, body }) => {
      const { install, webhookSecret } = await setTriggers(deps, access!, params.installId, body);
      return { body: { ...installView(install), webhookSecret } };
    }),
  implement(endpoints.reviewInstall, async ({ deps, params }) => {
      const r = await reviewInstall(deps, params.wsId, params.installId);
      const view = manifestView(r.manifest);
      return {
        body: {
          install: installView(r.install),
          agent: { id: r.manifest.id, name: r.manifest.name, version: r.manifest.version, pricing: r.manifest.pricing, permissionsByRisk: view.permissionsByRisk },
          readiness: r.readiness,
          nextFires: r.nextFires,
        },
      };
    }),
  implement(endpoints.deployInstall, async ({ deps, access, params }) => ok(await deployInstall(deps, access!, params.installId))),
  implement(endpoints.setInstallRunPolicy, async ({ deps, access, params, body }) => ok(await setRunPolicy(deps, access!, params.installId, body))),
  implement(endpoints.pauseInstall, async ({ deps, access, params }) => ok(await setPaused(deps, access!, params.installId, true))),
  implement(endpoints.resumeInstall, async ({ deps, access, params }) => ok(await setPaused(deps, access!, params.installId, false))),
  implement(endpoints.upgradeInstall, async ({ deps, access, params, body }) => {
      const { install, diff } = await upgradeInstall(deps, access!, params.installId, body);
      return { body: { ...installView(install), permissionDiff: diff } };
    }),
  implement(endpoints.uninstall, async ({ deps, access, params }) => {
      await uninstall(deps, access!, params.installId);
      return { status: 204, body: undefined };
    }),
];
