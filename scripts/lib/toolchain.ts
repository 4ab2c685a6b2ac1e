import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Finds the Google Cloud SDK's emulator packages and Java. Nothing is substituted: a missing
 * part stops the stack with the package that provides it.
 */
export interface Toolchain {
  javaVersion: number;
  sdkRoot: string | null;
  /** The Cloud SDK's Firestore emulator, or null when firebase-tools starts its own (Java 21+). */
  firestoreEmulator: string | null;
  /** The Cloud SDK's Pub/Sub emulator, or null when firebase-tools uses its own (Java 21+). */
  pubsubEmulator: string | null;
}

/** firebase-tools 15 starts its own Java emulators only on Java 21 or newer. */
export const FIREBASE_TOOLS_MIN_JAVA = 21;

export class MissingToolError extends Error {}

function readJavaVersion(): number {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new MissingToolError('Java is not installed. Install a JRE 17 or newer (Debian: apt-get install -y openjdk-17-jre-headless).');
  }
  // `java -version` writes to stderr.
  return parseJava(`${r.stdout ?? ''}${r.stderr ?? ''}`);
}

function parseJava(text: string): number {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return 0;
  const major = Number(m[1]);
  return major === 1 ? Number(m[2]) : major;
}

function sdkRoot(): string | null {
  const candidates = [process.env['CLOUDSDK_ROOT_DIR']];
  try {
    candidates.push(
      execFileSync('gcloud', ['info', '--format=value(installation.sdk_root)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).trim(),
    );
  } catch {
    // gcloud missing or slow; try the Debian package's location
  }
  candidates.push('/usr/lib/google-cloud-sdk', '/usr/share/google-cloud-sdk');
  return candidates.find((c) => c && existsSync(path.join(c, 'platform'))) ?? null;
}

const INSTALL_HINT =
  'Install the Google Cloud SDK emulator packages (apt-get install -y google-cloud-cli-firestore-emulator google-cloud-cli-pubsub-emulator), ' +
  `or Java ${FIREBASE_TOOLS_MIN_JAVA}+ so firebase-tools can run its own emulators.`;

export function detectToolchain(): Toolchain {
  const javaVersion = readJavaVersion();
  if (javaVersion < 11) {
    throw new MissingToolError(`Java ${javaVersion || '(unknown)'} is too old for the emulators. Install openjdk-17-jre-headless or newer.`);
  }
  const root = sdkRoot();
  const sdkPart = (...parts: string[]) => {
    if (!root) return null;
    const file = path.join(root, 'platform', ...parts);
    return existsSync(file) ? file : null;
  };
  const firestoreEmulator = sdkPart('cloud-firestore-emulator', 'cloud_firestore_emulator');
  const pubsubEmulator = sdkPart('pubsub-emulator', 'bin', 'cloud-pubsub-emulator');
  const toolsCanRunJava = javaVersion >= FIREBASE_TOOLS_MIN_JAVA;
  if (!firestoreEmulator && !toolsCanRunJava) {
    throw new MissingToolError(`The Firestore emulator was not found${root ? ` in ${root}` : ''} and Java is ${javaVersion}. ${INSTALL_HINT}`);
  }
  if (!pubsubEmulator && !toolsCanRunJava) {
    throw new MissingToolError(`The Pub/Sub emulator was not found${root ? ` in ${root}` : ''} and Java is ${javaVersion}. ${INSTALL_HINT}`);
  }
  return { javaVersion, sdkRoot: root, firestoreEmulator, pubsubEmulator };
}
