import { defineConfig } from "vitest/config";

// Tauri serves ui/dist in production and this dev server under `tauri dev`.
export default defineConfig({
  clearScreen: false,
  server: { port: 5173, strictPort: true, host: "127.0.0.1" },
  build: { target: "safari16", outDir: "dist", emptyOutDir: true },
  test: { environment: "happy-dom" },
});
