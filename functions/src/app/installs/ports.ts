import type { Install } from '../../domain/models.js';
import type { Page, PageRequest } from '../shared/paging.js';

/** What the install wizard and an install's life need: the installs, and where secret values live. */
export interface InstallChange {
  next: Install;
  /** Counted on the agent's listing in the same transaction (deploy +1, uninstall -1). */
  installCountDelta?: number;
}

export interface InstallStore {
  /** Creates a draft install (not counted until deployed). */
  create(install: Install): Promise<void>;
  get(wsId: string, installId: string): Promise<Install | null>;
  list(wsId: string, page: PageRequest): Promise<Page<Install>>;
  /** The installs acting on a cloud connection (at most 500: a connection in use is never deleted). */
  listByConnection(wsId: string, connectionId: string): Promise<Install[]>;
  /**
   * Read-modify-write in one transaction: `change` sees the current install and returns the
   * next one (or throws, and nothing is written).
   */
  update(wsId: string, installId: string, change: (install: Install) => InstallChange): Promise<Install>;
}

/** Where an install's secret values live; Firestore keeps only the returned references. */
export interface SecretScope {
  wsId: string;
  installId: string;
}

export interface SecretStore {
  /** Stores (or replaces) a value; returns an opaque reference, safe to keep in Firestore. */
  put(scope: SecretScope, name: string, value: string): Promise<string>;
  /** Reads a value by reference; only dispatch (to hand it to an execution) calls this. */
  get(ref: string): Promise<string | null>;
  delete(ref: string): Promise<void>;
  /** Deletes every value of an install (uninstall); returns how many were deleted. */
  deleteAll(scope: SecretScope): Promise<number>;
}
