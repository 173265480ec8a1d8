/**
 * Creates a private file with its whole content in one step, unless it already exists. The development secrets in
 * the data folder are made this way because `vx serve` and `vx worker` often start together from one folder:
 * writeFile with flag "wx" creates the file empty and writes into it after, so a process starting at that moment
 * found the file, read it empty and stopped (`each key is <id>:<base64 of 32 bytes>`), as CI saw once.
 */
import { randomBytes } from "node:crypto";
import { link, rm, writeFile } from "node:fs/promises";

/** Writes `content` to `path` unless it exists; true when this call created it. Never leaves a partial file. */
export async function createFileOnce(path: string, content: string): Promise<boolean> {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temporary, content, { mode: 0o600, flag: "wx" });
  try {
    // link() puts the complete file at `path` atomically and, unlike rename(), fails if `path` exists.
    await link(temporary, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    // A file system without hard links: fall back to an exclusive create, which has the short window above.
    if (code === "EPERM" || code === "ENOTSUP" || code === "ENOSYS") return createExclusive(path, content);
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

async function createExclusive(path: string, content: string): Promise<boolean> {
  try {
    await writeFile(path, content, { mode: 0o600, flag: "wx" });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}
