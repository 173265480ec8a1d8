/**
 * The structured pino logger: JSON lines, credentials redacted wherever a header might be logged. In a terminal
 * outside production the same records print as one readable line each (time, level, message, key fields).
 */
import { type DestinationStream, type Logger, pino } from "pino";
import type { LogLevel } from "./config.js";

export function createLogger(level: LogLevel, options: { production?: boolean } = {}): Logger {
  const readable = process.stdout.isTTY === true && !options.production;
  return pino(
    {
      level,
      redact: {
        paths: [
          "req.headers.authorization",
          'req.headers["x-api-key"]',
          "headers.authorization",
          'headers["x-api-key"]',
        ],
        censor: "[redacted]",
      },
    },
    readable ? readableLines(process.stdout) : undefined,
  );
}

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
// Fields every record carries, or that the line already shows.
const SKIP = new Set(["level", "time", "msg", "pid", "hostname"]);

/** A pino destination writing `12:00:01.234 INFO  message key=value …` instead of JSON. */
export function readableLines(out: { write(text: string): unknown }): DestinationStream {
  return {
    write(json: string) {
      out.write(`${formatRecord(JSON.parse(json) as Record<string, unknown>)}\n`);
    },
  };
}

export function formatRecord(record: Record<string, unknown>): string {
  const time = new Date(Number(record.time)).toISOString().slice(11, 23);
  const level = (LEVELS[Number(record.level)] ?? String(record.level)).padEnd(5);
  const fields = Object.entries(record)
    .filter(([key]) => !SKIP.has(key))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  return [time, level, String(record.msg ?? ""), ...fields].join(" ").trimEnd();
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return /\s/.test(value) ? JSON.stringify(value) : value;
  if (value && typeof value === "object" && "stack" in value && typeof value.stack === "string")
    return `\n${value.stack}`;
  return JSON.stringify(value);
}
