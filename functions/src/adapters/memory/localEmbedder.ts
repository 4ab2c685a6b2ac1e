import type { Embedder } from '../../domain/memory/embedder.js';
import { l2Normalize } from '../../domain/memory/vectors.js';

/**
 * A deterministic, offline embedder: feature hashing, no model.
 *
 * Each text is lower-cased and split into words (runs of letters and digits, any script);
 * its features are the words, the pairs of adjacent words, and the character trigrams of each
 * word with boundary marks (`#stop#` → `#st`, `sto`, `top`, `op#`). Each feature is hashed
 * (FNV-1a over its UTF-8 bytes, then a 32-bit finaliser) to one of `dimensions` buckets with a
 * sign from another bit of the hash, so collisions tend to cancel rather than pile up; the
 * vector is then L2-normalised.
 *
 * Quality to expect: LEXICAL OVERLAP, NOT MEANING. Texts that share words, word pairs or word
 * stems score high ("stop idle VM" and "idle VM stopped" do well); texts that say the same
 * thing in other words score like unrelated ones ("shut down unused server" does poorly
 * against "stop idle VM"). Unrelated texts score about 0.5 (near-orthogonal vectors).
 *
 * Why it exists: tests, the local stack and the emulator need vector memory that works
 * offline, costs nothing, and gives the same vector for the same text on every machine and
 * every run, so search results can be asserted. Production configures a real embeddings
 * endpoint (openAiEmbedder.ts); the model name keeps the two vector spaces apart.
 */

export const LOCAL_EMBEDDER_MODEL = 'local-hash-v1';
export const LOCAL_EMBEDDER_DIMENSIONS = 256;

const WEIGHT = { word: 1, pair: 0.7, trigram: 0.3 } as const;

const encoder = new TextEncoder();

/** FNV-1a, 32 bits, over the UTF-8 bytes of `s`. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of encoder.encode(s)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's finaliser: every output bit depends on every input bit, so bucket and sign are independent. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The weighted features of a text, as `kind:feature` strings (exported for tests and tuning). */
export function features(text: string): [string, number][] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const out: [string, number][] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    out.push([`w:${w}`, WEIGHT.word]);
    if (i + 1 < words.length) out.push([`b:${w} ${words[i + 1]}`, WEIGHT.pair]);
    const marked = [...`#${w}#`];
    for (let j = 0; j + 3 <= marked.length; j++) out.push([`c:${marked.slice(j, j + 3).join('')}`, WEIGHT.trigram]);
  }
  // Text without a letter or digit ("!!!") still gets a direction of its own, not the zero vector.
  if (out.length === 0) out.push([`r:${text.trim()}`, 1]);
  return out;
}

export function embedLocally(text: string, dimensions = LOCAL_EMBEDDER_DIMENSIONS): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const [feature, weight] of features(text)) {
    const h = mix32(fnv1a32(feature));
    const bucket = h % dimensions;
    v[bucket]! += (h & 0x80000000 ? -1 : 1) * weight;
  }
  return l2Normalize(v);
}

export class LocalEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;

  constructor(dimensions = LOCAL_EMBEDDER_DIMENSIONS) {
    if (!Number.isInteger(dimensions) || dimensions < 16 || dimensions > 2048) throw new Error(`The local embedder takes 16 to 2048 dimensions, not ${dimensions}.`);
    this.dimensions = dimensions;
    // Another dimension is another vector space: the model name says so.
    this.model = dimensions === LOCAL_EMBEDDER_DIMENSIONS ? LOCAL_EMBEDDER_MODEL : `${LOCAL_EMBEDDER_MODEL}-${dimensions}`;
  }

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((t) => embedLocally(t, this.dimensions));
  }
}
