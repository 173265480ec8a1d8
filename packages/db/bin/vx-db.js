#!/usr/bin/env node
// The `vx-db` bin. It lives outside dist/ so that `pnpm install` on a fresh clone (before any build) can link it.
import "../dist/cli.js";
