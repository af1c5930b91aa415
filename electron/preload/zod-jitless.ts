import { config } from 'zod';

/*
 * Imported first by preload.ts, before any schema exists: zod decides per schema, when the schema is built, whether to
 * generate code with `new Function`, and probes for it once. Jitless from the start, the preload never generates code
 * and never trips a strict CSP's eval check (zod would catch the error, but the attempt is still reported).
 */
config({ jitless: true });
