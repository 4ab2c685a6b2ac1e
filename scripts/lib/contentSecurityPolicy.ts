/**
 * The web app's Content-Security-Policy, which Hosting sends with every response (firebase.json;
 * scripts/test/contentSecurityPolicy.test.ts keeps the committed value equal to this one).
 *
 * Scripts come from the app's own origin only: nothing inline, no eval, so a script that gets
 * into the page (a sanitizer bug in rendered Markdown, say) does not run. Firebase Auth's
 * sign-in with a provider loads Google's API script and frames the auth domain's helper page;
 * Auth and Firestore talk to their Google APIs. No site may frame the app (clickjacking).
 * Styles stay 'self': the app sets styles only through the CSSOM, which CSP does not restrict.
 *
 * Locally the app talks to the Auth and Firestore emulators instead: `emulators` adds their
 * origins (the stack writes them into its own firebase.<profile>.json).
 */
export function contentSecurityPolicy(emulators?: { auth: string; firestore: string }): string {
  const local = emulators ? [new URL(emulators.auth).origin, new URL(emulators.firestore).origin] : [];
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'", 'https://apis.google.com'],
    'connect-src': ["'self'", 'https://identitytoolkit.googleapis.com', 'https://securetoken.googleapis.com', 'https://firestore.googleapis.com', ...local],
    'frame-src': ['https://*.firebaseapp.com', 'https://*.web.app', ...(emulators ? [new URL(emulators.auth).origin] : [])],
    // Firestore's WebChannel probes connectivity with an image from www.google.com when its connection fails.
    'img-src': ["'self'", 'data:', 'https://www.google.com'],
    'style-src': ["'self'"],
    'font-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

export const CSP_HEADER = 'Content-Security-Policy';
