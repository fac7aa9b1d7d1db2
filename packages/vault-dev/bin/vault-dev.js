#!/usr/bin/env node
// Committed so that npm links the bin at install time, before `prepare` has built dist/.
await import("../dist/bin.js");
