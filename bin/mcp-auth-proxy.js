#!/usr/bin/env node
// Shim: the compiled CLI lives in dist/ (built by `npm install` via `prepare`).
import { main } from '../dist/cli/main.js';

await main();
