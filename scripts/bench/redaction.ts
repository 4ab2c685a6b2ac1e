import { randomBytes } from 'node:crypto';
import { createRedactor } from '../../contract/src/redaction.ts';
import { median, ratio } from './stats.ts';

const ROUNDS = 15;
const LINES = 1000;

/** Log lines as agents write them: a message of about 100 characters and a few fields; `share` of them print a secret. */
function batch(secrets: string[], share: number): Array<{ msg: string; fields: Record<string, unknown> }> {
  return Array.from({ length: LINES }, (_, i) => {
    const leak = i % Math.round(1 / share) === 0 ? ` auth=${Buffer.from(secrets[i % secrets.length]!).toString('base64')}` : '';
    return {
      msg: `checked vm-${i} in us-central1-a: cpu 12.5% over 7 days, idle since 2026-11-0${i % 9}${leak}`,
      fields: { vm: `vm-${i}`, zone: 'us-central1-a', cpu: 12.5, labels: { team: 'platform', env: i % 2 ? 'prod' : 'dev' } },
    };
  });
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/**
 * What redaction costs per 1,000 log lines (the stream of messages, every field walked), against
 * a bare operation the ingestion does anyway on the same lines: serializing them (to count bytes).
 * The run's secrets: an API token, a password and a 1.7 KB PEM key, every form of each.
 */
export function benchRedaction(): void {
  const secrets = [
    `sk_live_${randomBytes(24).toString('hex')}`,
    `p@ss-${randomBytes(6).toString('base64')}`,
    `-----BEGIN PRIVATE KEY-----\n${randomBytes(1200).toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`,
  ];
  const t0 = process.hrtime.bigint();
  const redactor = createRedactor(secrets);
  const setup = ms(t0);

  console.log(`\n== Redaction (per ${LINES.toLocaleString('en')} log lines, median of ${ROUNDS} rounds, 3 secrets, longest form ${redactor.longest} chars) ==`);
  console.log(`  forms computed once per run: ${setup.toFixed(2)} ms`);
  for (const [label, share] of [
    ['no line holds a secret', 0.0001],
    ['1 line in 10 holds one (base64)', 0.1],
  ] as const) {
    const lines = batch(secrets, share);
    const bare: number[] = [];
    const redacted: number[] = [];
    let sink = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let t = process.hrtime.bigint();
      for (const l of lines) sink += Buffer.byteLength(JSON.stringify(l));
      bare.push(ms(t));
      t = process.hrtime.bigint();
      const { texts } = redactor.stream(lines.map((l) => l.msg));
      const out = lines.map((l, i) => ({ msg: texts[i]!, fields: redactor.json(l.fields) }));
      redacted.push(ms(t));
      sink += out.length;
    }
    const b = median(bare);
    const r = median(redacted);
    console.log(`  ${label.padEnd(34)} redaction ${r.toFixed(2).padStart(6)} ms   serializing them ${b.toFixed(2).padStart(6)} ms   ${ratio(r, b)} of serializing${sink < 0 ? '' : ''}`);
  }
}
