/** The structured pino logger: JSON lines, credentials redacted wherever a header might be logged. */
import { type Logger, pino } from "pino";
import type { LogLevel } from "./config.js";

export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    redact: {
      paths: ["req.headers.authorization", 'req.headers["x-api-key"]', "headers.authorization", 'headers["x-api-key"]'],
      censor: "[redacted]",
    },
  });
}
