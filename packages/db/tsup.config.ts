import { defineConfig } from "tsup";

const entry = {
  index: "src/index.ts",
  "testing/index": "src/testing/index.ts",
  // Its own entry, so users of the pg adapters never load @supabase/supabase-js.
  "supabase/index": "src/supabase/index.ts",
};

export default defineConfig({
  entry: { ...entry, cli: "src/cli.ts" },
  format: ["esm", "cjs"],
  dts: { entry },
  clean: true,
  sourcemap: true,
  target: "node20",
  shims: true,
  external: ["@supabase/supabase-js"],
});
