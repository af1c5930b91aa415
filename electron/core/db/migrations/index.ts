import * as m0001 from './0001_init';
import * as m0002 from './0002_reach';
import * as m0003 from './0003_queue';

/** Numbered migrations, applied in order, each once. Append new ones; never change or renumber a shipped one. */
export const migrations: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  { version: 1, name: '0001_init', sql: m0001.sql },
  { version: 2, name: '0002_reach', sql: m0002.sql },
  { version: 3, name: '0003_queue', sql: m0003.sql },
];
