import { silenceDebug } from "./quiet.js";

// A module of its own so that client.ts can run it before it imports node-vault.
silenceDebug();
