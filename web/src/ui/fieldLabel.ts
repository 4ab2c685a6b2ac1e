/**
 * A readable label for a property name from a JSON Schema, for the forms generated from an
 * agent's `config` and `inputs` when a property has no `title`: `cpuThresholdPercent` reads
 * "CPU threshold percent", `SLACK_WEBHOOK_URL` "Slack webhook URL". Pure: no DOM.
 *
 * Words are split at `_`, `-`, spaces and camelCase humps; the label is in sentence case.
 * Acronyms stay in capitals: those written in capitals inside a mixed-case name (`maxHTTPRetries`)
 * and the common ones below, with their plurals (`vmIds` reads "VM IDs"). A name in capitals
 * throughout (`API_TOKEN`) is read as words, so only its known acronyms stay capitalised.
 *
 * The property names are identifiers from the agent's manifest, not text of ours: this turns
 * English-style identifiers into English-style words, whatever the messages' locale.
 */
const ACRONYMS = new Map(
  [
    'API', 'ARN', 'AWS', 'CIDR', 'CPU', 'CSV', 'DB', 'DNS', 'EC2', 'GB', 'GCP', 'GCS', 'GKE', 'GPU', 'HTML', 'HTTP', 'HTTPS', 'IAM', 'ID', 'IP',
    'IPv4', 'IPv6', 'JSON', 'JWT', 'K8s', 'KB', 'KMS', 'MB', 'OS', 'RDP', 'S3', 'SLA', 'SMTP', 'SQL', 'SSH', 'SSL', 'SSO', 'TB', 'TLS', 'TTL',
    'UI', 'URI', 'URL', 'UTC', 'UUID', 'VM', 'VPC', 'XML', 'YAML',
  ].map((a) => [a.toLowerCase(), a]),
);

/**
 * One word each: capitals with a plural `s` (`IDs`); a run of capitals not followed by a
 * lower-case letter (`HTTP` in `HTTPServer`); an optional capital and lower-case letters,
 * digits attached (`ipv4`, `k8s`); digits alone.
 */
const WORDS = /[A-Z]{2,}s(?![a-z])|[A-Z]+\d*(?![a-z])|[A-Z]?[a-z]+(?:\d+[a-z]*)*|\d+/g;

function acronym(lower: string): string | undefined {
  const known = ACRONYMS.get(lower);
  if (known) return known;
  const singular = lower.endsWith('s') ? ACRONYMS.get(lower.slice(0, -1)) : undefined;
  return singular ? `${singular}s` : undefined;
}

export function fieldLabel(name: string): string {
  const words = name.match(WORDS);
  if (!words) return name;
  const shouting = !/[a-z]/.test(name);
  return words
    .map((word, i) => {
      const lower = word.toLowerCase();
      const capitals = !shouting && /^[A-Z]{2,}\d*s?$/.test(word);
      const out = acronym(lower) ?? (capitals ? word : lower);
      return i === 0 ? out.charAt(0).toUpperCase() + out.slice(1) : out;
    })
    .join(' ');
}
