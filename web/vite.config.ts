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
        // Lazily loaded libraries get chunks named for what they are (the rest by their page).
        chunkFileNames: (chunk) => {
          const has = (pkg: string) => chunk.moduleIds.some((id) => id.replaceAll('\\', '/').includes(`/node_modules/${pkg}/`));
          if (has('@firebase/firestore')) return 'assets/firestore-[hash].js';
          if (has('marked') || has('dompurify')) return 'assets/markdown-[hash].js';
          if (has('uplot')) return 'assets/charts-[hash].js';
          return 'assets/[name]-[hash].js';
        },
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
