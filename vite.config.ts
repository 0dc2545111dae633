import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const webRoot = fileURLToPath(new URL("./src/web", import.meta.url));
const outDir = fileURLToPath(new URL("./dist/web", import.meta.url));

// The web app lives in src/web and builds to dist/web, which the Fastify server serves
// (with an index.html fallback for client-side routes). In development `vite` serves the app
// and proxies /api to the API server on port 3000.
export default defineConfig({
  root: webRoot,
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: 5173,
    proxy: {
      "/api": { target: process.env.RAPPORT_API_URL ?? "http://localhost:3000", changeOrigin: false },
    },
  },
  preview: {
    proxy: {
      "/api": { target: process.env.RAPPORT_API_URL ?? "http://localhost:3000", changeOrigin: false },
    },
  },
});
