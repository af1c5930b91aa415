import { config } from 'zod';

/*
 * Imported first by the preload and the renderer, before any schema exists: zod decides per schema, when the schema is built, whether to
 * generate code with `new Function`, and probes for it once. Jitless from the start, they never generate code
 * and neither trips a strict CSP's eval check (zod would catch the error, but the attempt is still reported).
 */
config({ jitless: true });
