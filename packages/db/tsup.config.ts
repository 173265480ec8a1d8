import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "testing/index": "src/testing/index.ts", cli: "src/cli.ts" },
  format: ["esm", "cjs"],
  dts: { entry: { index: "src/index.ts", "testing/index": "src/testing/index.ts" } },
  clean: true,
  sourcemap: true,
  target: "node20",
  shims: true,
});
