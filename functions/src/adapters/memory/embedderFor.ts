import type { Config } from '../../config/index.js';
import type { Embedder } from '../../domain/memory/embedder.js';

/**
 * The platform's embedder (docs/memory.md "Embeddings"): the OpenAI-compatible endpoint at
 * MEMORY_EMBEDDINGS_URL when one is configured, else the offline local embedder. The key is read
 * when the embedder is made (in the API function, which binds the secret). OpenAI's
 * text-embedding-3 models are asked for exactly the configured dimensions (they can shorten
 * their vectors); other endpoints are sent no `dimensions` (not all accept it) and every vector
 * they answer is checked against the configured count.
 */
export async function embedderFor(
  config: Pick<Config, 'memoryEmbeddingsUrl' | 'memoryEmbeddingsModel' | 'memoryEmbeddingDimensions'>,
  apiKey: () => string,
): Promise<Embedder> {
  if (!config.memoryEmbeddingsUrl) return new (await import('./localEmbedder.js')).LocalEmbedder();
  const { OpenAiEmbedder } = await import('./openAiEmbedder.js');
  const key = apiKey();
  return new OpenAiEmbedder({
    baseUrl: config.memoryEmbeddingsUrl,
    ...(key ? { apiKey: key } : {}),
    model: config.memoryEmbeddingsModel,
    dimensions: config.memoryEmbeddingDimensions,
    requestDimensions: config.memoryEmbeddingsModel.startsWith('text-embedding-3'),
    // A runner call waits for it: fail within the API's own timeout rather than retry for minutes.
    maxAttempts: 3,
    timeoutMs: 15_000,
    maxDelayMs: 5_000,
  });
}
