// The one list of test projects; vitest.config.ts imports it. Workspace packages resolve to their
// TypeScript sources, so tests never need a build first.
import { fileURLToPath } from "node:url";
import type { TestProjectConfiguration } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));
const packageDirs: Record<string, string> = {
  "api-keys": "packages/api-keys",
  webhooks: "packages/webhooks",
  ivr: "packages/ivr",
  db: "packages/db",
  compliance: "packages/compliance",
};

const alias = Object.entries(packageDirs).flatMap(([name, dir]) => [
  { find: `@vx/${name}/testing`, replacement: `${root}${dir}/src/testing/index.ts` },
  ...(name === "db" ? [{ find: "@vx/db/supabase", replacement: `${root}${dir}/src/supabase/index.ts` }] : []),
  { find: new RegExp(`^@vx/${name}$`), replacement: `${root}${dir}/src/index.ts` },
]);

function project(name: string, dir: string, extra: { globalSetup?: string } = {}): TestProjectConfiguration {
  return {
    resolve: { alias },
    test: {
      name,
      root: `${root}${dir}`,
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      testTimeout: 30_000,
      hookTimeout: 120_000,
      ...extra,
    },
  };
}

export default [
  project("api-keys", "packages/api-keys"),
  project("webhooks", "packages/webhooks"),
  project("ivr", "packages/ivr"),
  project("db", "packages/db"),
  project("compliance", "packages/compliance"),
  project("api", "apps/api"),
  // The console is built once, before its browser tests start their servers.
  project("console", "apps/console", { globalSetup: "test/support/build-console.ts" }),
  project("repo", "."),
] satisfies TestProjectConfiguration[];
