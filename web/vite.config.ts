import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The Hosting emulator (`npm start`) serves the API under /v1 and the app-config.json that the
// start script writes into web/dist; `vite dev` borrows both from it.
const hosting = 'http://127.0.0.1:5000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: {
      output: {
        // Firestore is imported lazily, by the run view only (src/config.ts getDb): name its chunk.
        chunkFileNames: (chunk) =>
          chunk.moduleIds.some((id) => /[\\/]@firebase[\\/]firestore[\\/]/.test(id)) ? 'assets/firestore-[hash].js' : 'assets/[name]-[hash].js',
      },
    },
  },
  server: {
    proxy: {
      '/v1': { target: hosting, changeOrigin: false },
      '/app-config.json': { target: hosting, changeOrigin: false },
    },
  },
});
