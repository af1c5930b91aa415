/**
 * SSH exec hands the server's shell one command line, so an argv array must become one string. Each argument is put in
 * single quotes, with embedded single quotes written as '\'' — the one POSIX quoting that leaves no character special.
 * Nothing else may build remote command lines: never concatenate operator input into a command.
 */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('An empty command cannot be run.');
  return argv.map(quoteArg).join(' ');
}

export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new Error('A command argument cannot contain a NUL byte.');
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
