/**
 * The port vector and episode memory embed text through. Implementations: the offline local
 * embedder (adapters/memory/localEmbedder.ts) and an OpenAI-compatible endpoint
 * (adapters/memory/openAiEmbedder.ts). The store keeps `model` and `dimensions` with what it
 * embedded, and checks every vector's dimension (vectors.ts checkDimensions).
 */
export interface Embedder {
  /** Names the model (and so the vector space): vectors of different models must not be compared. */
  readonly model: string;
  readonly dimensions: number;
  /** One vector per text, in the order given, each of `dimensions` numbers. */
  embed(texts: string[]): Promise<number[][]>;
}
