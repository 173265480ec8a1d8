/**
 * `vx-db migrate`'s arguments. Strict on purpose: `down 1.5` or `down 3x` must not revert some other number of
 * migrations, and a typo in a flag must not be taken for a command.
 */
export const MIGRATE_USAGE = "usage: vx-db migrate up [N] | down [N] [--yes] | status";

export type MigrateArguments =
  | { command: "up" | "down"; count?: number; yes: boolean }
  | { command: "status" }
  | { command: "help" }
  | { error: string };

export function parseMigrateArguments(argv: readonly string[]): MigrateArguments {
  if (argv.includes("--help") || argv.includes("-h")) return { command: "help" };
  const args = argv[0] === "migrate" ? argv.slice(1) : [...argv];
  const yes = args.includes("--yes");
  // "-1" is a wrong count, not a flag.
  const unknownFlag = args.find((a) => a.startsWith("-") && !/^-[0-9]/.test(a) && a !== "--yes");
  if (unknownFlag) return { error: `unknown flag ${unknownFlag}` };
  const [command = "up", count, ...extra] = args.filter((a) => a !== "--yes");
  if (command !== "up" && command !== "down" && command !== "status") return { error: `unknown command ${command}` };
  if (command === "status") {
    if (count !== undefined || yes) return { error: "status takes no arguments" };
    return { command };
  }
  if (extra.length > 0) return { error: `unexpected argument ${extra[0]}` };
  if (yes && command !== "down") return { error: "--yes is only for down" };
  if (count === undefined) return { command, yes };
  if (!/^[1-9][0-9]{0,5}$/.test(count)) return { error: `N must be a whole number from 1, not ${count}` };
  return { command, count: Number(count), yes };
}
