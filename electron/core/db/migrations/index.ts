import * as m0001 from './0001_init';
import * as m0002 from './0002_reach';

/** Numbered migrations, applied in order, each once. Append new ones; never change or renumber a shipped one. */
export const migrations: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  { version: 1, name: '0001_init', sql: m0001.sql },
  { version: 2, name: '0002_reach', sql: m0002.sql },
];
