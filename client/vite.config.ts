// Builds the web UI into client/dist (served by the server); `vite` proxies the API to a running Vigil.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const api = process.env.VIGIL_API ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/api': { target: api },
      '/socket.io': { target: api, ws: true },
      '/healthz': { target: api },
      '/readyz': { target: api },
    },
  },
});
