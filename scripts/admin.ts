/**
 * Platform admins (docs/publishing.md "Review"): `npm run admin -- grant <email>`, `revoke <email>`,
 * `list`. Admins review submitted versions; the API never writes `platformAdmins/{uid}`, so
 * only someone with the project's credentials (or the local stack's emulators) makes one.
 * Needs FIRESTORE_EMULATOR_HOST and FIREBASE_AUTH_EMULATOR_HOST (the local stack prints them)
 * or GOOGLE_APPLICATION_CREDENTIALS.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { getFirestore } from 'firebase-admin/firestore';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [command, email] = process.argv.slice(2);
const usage = 'usage: npm run admin -- grant <email> | revoke <email> | list';

if (!process.env['FIRESTORE_EMULATOR_HOST'] && !process.env['GOOGLE_APPLICATION_CREDENTIALS']) {
  console.error('admin: set FIRESTORE_EMULATOR_HOST and FIREBASE_AUTH_EMULATOR_HOST (the local stack prints them) or GOOGLE_APPLICATION_CREDENTIALS.');
  process.exit(2);
}
const projectId = process.env['GCLOUD_PROJECT'] ?? (JSON.parse(readFileSync(path.join(root, '.firebaserc'), 'utf8')) as { projects: { default: string } }).projects.default;
const app = initializeApp({ projectId });
const admins = getFirestore(app).collection('platformAdmins');

switch (command) {
  case 'grant':
  case 'revoke': {
    if (!email) {
      console.error(usage);
      process.exit(2);
    }
    const user = await getAuth(app).getUserByEmail(email).catch(() => null);
    if (!user) {
      console.error(`admin: no account uses ${email}; sign in once first.`);
      process.exit(1);
    }
    if (command === 'grant') await admins.doc(user.uid).set({ uid: user.uid, email: user.email ?? email, grantedAt: new Date() });
    else await admins.doc(user.uid).delete();
    console.log(`admin: ${command === 'grant' ? 'granted' : 'revoked'} ${email} (${user.uid})`);
    break;
  }
  case 'list':
    for (const doc of (await admins.get()).docs) console.log(`${doc.id}\t${String(doc.get('email') ?? '')}`);
    break;
  default:
    console.error(usage);
    process.exit(2);
}
process.exit(0);
