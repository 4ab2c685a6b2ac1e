import { createClient, type Client } from '@agent-marketplace/client';
import { urls } from './stack.ts';

/**
 * The typed client (`@agent-marketplace/client`) against the test stack, as a REST user would
 * hold it: through Hosting (`/v1/**` rewritten to the api function), with an ID token or an
 * API key. Tests of malformed requests use `call` in http.ts instead, which sends anything.
 */
export function apiAs(credential?: string, base: 'hosting' | 'function' = 'hosting'): Client {
  const baseUrl = (base === 'hosting' ? urls.api : urls.functionsApi).replace(/\/v1$/, '');
  return createClient({ baseUrl, credential });
}
