/**
 * The development JWT secret: with no SUPABASE_JWT_SECRET and no SUPABASE_URL, `vx serve` generates one into the
 * data folder so `vx token` can sign tokens the server accepts, with zero configuration. Never used in production.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "./config.js";
import { createFileOnce } from "./create-file-once.js";
import { ApiError } from "./errors.js";

export const DEV_SECRET_FILE = "dev-jwt-secret";

export function devSecretPath(config: Config): string | undefined {
  return config.dataDir === "memory" ? undefined : join(config.dataDir, DEV_SECRET_FILE);
}

/** Whether this configuration verifies tokens with a generated development secret rather than a configured one. */
export function usesDevSecret(config: Config): boolean {
  return !config.jwtSecret && !config.supabaseUrl && !config.production;
}

/**
 * Fills `jwtSecret` from the development secret when one applies. `create` generates it when missing (serve);
 * without it (token) a missing file leaves the config without a secret.
 */
export async function withDevSecret(config: Config, options: { create: boolean }): Promise<Config> {
  if (!usesDevSecret(config)) return config;
  const path = devSecretPath(config);
  // An in-memory database keeps nothing, so neither does its secret: tokens die with the process.
  if (!path) return options.create ? development(config, randomSecret()) : config;
  if (options.create) {
    // Loaded here only: `vx token` (no create) starts without @vx/db. A folder that cannot be made is one line.
    const { makeDataDir } = await import("@vx/db");
    await makeDataDir(config.dataDir);
  }
  const existing = await readSecret(path);
  if (existing) return development(config, existing);
  if (!options.create) return config;
  // Another process may create it first: then this one uses theirs.
  await createFileOnce(path, `${randomSecret()}\n`);
  const secret = await readSecret(path);
  if (!secret) {
    throw new ApiError(
      "invalid_config",
      `${path} holds no development JWT secret (under 32 characters): delete it to have a new one made (tokens signed with the old one then stop working)`,
    );
  }
  return development(config, secret);
}

function development(config: Config, secret: string): Config {
  return { ...config, jwtSecret: secret, jwtSecretIsDevelopment: true };
}

function randomSecret(): string {
  return randomBytes(48).toString("base64url");
}

async function readSecret(path: string): Promise<string | undefined> {
  try {
    const secret = (await readFile(path, "utf8")).trim();
    return secret.length >= 32 ? secret : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
