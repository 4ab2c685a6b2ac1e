import { AppError } from '../errors.js';
import type { MemoryMetadata, MetadataValue } from './limits.js';

/**
 * Vector arithmetic and the mapping between Firestore's vector search and the scores agents see.
 *
 * Firestore `findNearest` with `distanceMeasure: 'COSINE'` returns the cosine DISTANCE,
 * 1 − cos(a, b): it "decreases the more similar two vectors are" (0 for the same direction,
 * 1 orthogonal, 2 opposite), and `distanceThreshold` keeps results WHERE distance <=
 * threshold (for EUCLIDEAN and COSINE; DOT_PRODUCT inverts it). Sources: the FindNearest
 * reference of the Firestore v1 API (distance_measure, distance_threshold, distance_result_field)
 * and its DistanceMeasure enum. Agents see a score in 0..1 instead, higher is closer:
 *
 *   score = 1 − distance / 2 = (1 + cos) / 2
 *
 * so 1 is the same direction, 0.5 unrelated (orthogonal), 0 opposite. Note for minScore:
 * OpenAI-style embeddings of unrelated texts are rarely orthogonal (cos 0.1–0.3, scores
 * 0.55–0.65); the local hashing embedder's are (about 0.5).
 *
 * Firestore only returns documents whose vector has the query's dimension and says nothing
 * about the rest, so a store whose embedder changed would search an empty index in silence:
 * the store checks dimensions itself (checkDimensions).
 */

/** Firestore's limit on a vector's dimension (query and stored alike). */
export const MAX_VECTOR_DIMENSIONS = 2048;

/** Scores compared against minScore tolerate this much float error (a threshold round-trips through a distance). */
export const SCORE_EPSILON = 1e-9;

export const dimensionMismatch = (expected: number, actual: number, what = 'vector') =>
  new AppError(
    'precondition',
    'memory_dimension_mismatch',
    `The ${what} has ${actual} dimensions; this memory holds ${expected}-dimension embeddings. The embedder and the stored memories must use the same model and dimensions.`,
  );

/** Throws memory_dimension_mismatch (both dimensions named) unless `vector` has `expected` dimensions. */
export function checkDimensions(expected: number, vector: readonly number[], what = 'vector'): void {
  if (vector.length !== expected) throw dimensionMismatch(expected, vector.length, what);
}

/** A usable embedding: 1..MAX_VECTOR_DIMENSIONS finite numbers. Returns a problem, or null. */
export function vectorProblem(vector: unknown): string | null {
  if (!Array.isArray(vector)) return 'is not an array of numbers';
  if (vector.length === 0 || vector.length > MAX_VECTOR_DIMENSIONS) return `has ${vector.length} dimensions; 1 to ${MAX_VECTOR_DIMENSIONS} are allowed`;
  for (let i = 0; i < vector.length; i++) {
    if (typeof vector[i] !== 'number' || !Number.isFinite(vector[i])) return `has a non-finite or non-numeric value at ${i}`;
  }
  return null;
}

export function dot(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw dimensionMismatch(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

export const norm = (v: readonly number[]): number => Math.sqrt(dot(v, v));

/** The unit vector in v's direction; a zero vector stays zero (it has no direction). */
export function l2Normalize(v: readonly number[]): number[] {
  const n = norm(v);
  return n === 0 ? v.map(() => 0) : v.map((x) => x / n);
}

/** cos(a, b) in −1..1; 0 when either is the zero vector. Throws memory_dimension_mismatch on different lengths. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  const d = dot(a, b);
  const n = norm(a) * norm(b);
  if (n === 0) return 0;
  return Math.max(-1, Math.min(1, d / n));
}

const clamp01 = (x: number) => Math.max(0, Math.min(1, x));

/** Firestore's COSINE distance (1 − cos) for two vectors: what findNearest would return. */
export const cosineDistance = (a: readonly number[], b: readonly number[]): number => 1 - cosineSimilarity(a, b);

/** The score (0..1) of a COSINE distance (0..2) from findNearest's distanceResultField. */
export const scoreFromDistance = (distance: number): number => clamp01(1 - distance / 2);

/** The score (0..1) of a cosine similarity (−1..1). */
export const scoreFromSimilarity = (cos: number): number => clamp01((1 + cos) / 2);

/** The distance (0..2) a score stands for. */
export const distanceFromScore = (score: number): number => 2 * (1 - clamp01(score));

/**
 * findNearest's distanceThreshold for a minScore: keeps distance <= 2(1 − minScore), i.e.
 * score >= minScore. Undefined for minScore 0 (no threshold: every distance qualifies).
 */
export const distanceThresholdFor = (minScore: number): number | undefined => (minScore <= 0 ? undefined : distanceFromScore(minScore));

/** Whether a score meets a floor, tolerating the float error of a round trip through a distance. */
export const meetsMinScore = (score: number, minScore: number): boolean => score + SCORE_EPSILON >= minScore;

/** Equality on every filtered metadata key (a missing key does not match). */
export function matchesFilter(metadata: MemoryMetadata, filter: Readonly<Record<string, MetadataValue>>): boolean {
  for (const [key, value] of Object.entries(filter)) {
    if (!Object.hasOwn(metadata, key) || metadata[key] !== value) return false;
  }
  return true;
}

export interface Scored<T> {
  item: T;
  score: number;
}

/**
 * Brute-force nearest neighbours, as findNearest would answer with a pre-filter and a threshold:
 * the `k` best at or above `minScore`, best first, ties by id. For an in-memory store and for
 * checking the emulator's answers.
 */
export function nearest<T extends { id: string; vector: readonly number[]; metadata: MemoryMetadata }>(
  query: readonly number[],
  items: readonly T[],
  options: { k: number; minScore: number; filter: Readonly<Record<string, MetadataValue>> },
): Scored<T>[] {
  return items
    .filter((item) => matchesFilter(item.metadata, options.filter))
    .map((item) => {
      checkDimensions(query.length, item.vector, `stored vector "${item.id}"`);
      return { item, score: scoreFromSimilarity(cosineSimilarity(query, item.vector)) };
    })
    .filter((s) => meetsMinScore(s.score, options.minScore))
    .sort((a, b) => b.score - a.score || (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0))
    .slice(0, options.k);
}
