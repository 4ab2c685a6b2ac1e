/** Whether an install's runs may run: the rule trigger, dispatch and pausing share. */
import { describe, expect, it } from 'vitest';
import { runRefusal } from '../src/domain/runnable.ts';

const listing = (state: 'published' | 'suspended') => ({ state, name: 'Idle VM Reaper' });

describe('runRefusal', () => {
  it('lets an active install of a published agent run', () => {
    expect(runRefusal({ state: 'active' }, listing('published'))).toBeNull();
    // A listing that cannot be read is not a refusal: the version lookup decides then.
    expect(runRefusal({ state: 'active' }, null)).toBeNull();
  });

  it.each([
    [{ state: 'paused' as const }, listing('published'), 'install_paused'],
    [{ state: 'uninstalled' as const }, listing('published'), 'install_uninstalled'],
    [null, listing('published'), 'install_uninstalled'],
    [{ state: 'active' as const }, listing('suspended'), 'agent_suspended'],
    // The install's own state speaks first: resuming it would not be enough while suspended, but that is said when it is resumed.
    [{ state: 'paused' as const }, listing('suspended'), 'install_paused'],
  ])('refuses %o of a %o listing with %s', (install, l, code) => {
    expect(runRefusal(install, l)?.code).toBe(code);
  });

  it("names the agent when its listing is suspended", () => {
    expect(runRefusal({ state: 'active' }, listing('suspended'))?.message).toMatch(/^Idle VM Reaper is suspended/);
  });
});
