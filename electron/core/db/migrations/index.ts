import * as m0001 from './0001_init';
import * as m0002 from './0002_reach';
import * as m0003 from './0003_queue';
import * as m0004 from './0004_dns';
import * as m0005 from './0005_tls';
import * as m0006 from './0006_dkim';
import * as m0007 from './0007_tls_deploy';
import * as m0008 from './0008_provision';
import * as m0009 from './0009_provision_apply';

/** Numbered migrations, applied in order, each once. Append new ones; never change or renumber a shipped one. */
export const migrations: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  { version: 1, name: '0001_init', sql: m0001.sql },
  { version: 2, name: '0002_reach', sql: m0002.sql },
  { version: 3, name: '0003_queue', sql: m0003.sql },
  { version: 4, name: '0004_dns', sql: m0004.sql },
  { version: 5, name: '0005_tls', sql: m0005.sql },
  { version: 6, name: '0006_dkim', sql: m0006.sql },
  { version: 7, name: '0007_tls_deploy', sql: m0007.sql },
  { version: 8, name: '0008_provision', sql: m0008.sql },
  { version: 9, name: '0009_provision_apply', sql: m0009.sql },
];
