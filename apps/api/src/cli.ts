#!/usr/bin/env node
/** The `vx` executable: runs `main` from command-line.ts as this process and exits with the code it returns. */
import { main } from "./command-line.js";

// `vx --help | head` closes the pipe early: that is the reader's choice, not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(0);
});

// -1: the command keeps running (serve, worker) and sets the exit code when it stops.
main(process.argv.slice(2)).then((code) => {
  if (code >= 0) process.exitCode = code;
});
