import type { CloudConnection } from './types.js';

/** Used when the install has no cloud connection: every call explains what is missing. */
export class DisconnectedCloud implements CloudConnection {
  readonly provider = 'none';
  readonly account = '';
  private fail(): never {
    throw Object.assign(new Error('This install has no cloud connection; connect an account (or use the sandbox) first.'), {
      code: 'cloud_not_connected',
    });
  }
  list(): never {
    return this.fail();
  }
  get(): never {
    return this.fail();
  }
  dataset(): never {
    return this.fail();
  }
  act(): never {
    return this.fail();
  }
}
