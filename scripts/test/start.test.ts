import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');

describe('npm start without its prerequisites', () => {
  it('stops with a message naming what to install, and starts nothing', () => {
    // A PATH with only the repo's Node: no java, no gcloud.
    const r = spawnSync(path.join(root, 'node_modules', '.bin', 'node'), ['scripts/start.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: path.join(root, 'node_modules', '.bin'), HOME: process.env['HOME'] ?? '/root' },
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Java is not installed');
    expect(r.stderr).toContain('openjdk-17-jre-headless');
  });
});
