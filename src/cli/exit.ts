/** Every command-line entry point ends this way on failure: the stack on stderr, exit code 1. */
export function exitOnFailure(error: unknown): never {
  console.error((error as Error).stack ?? error);
  process.exit(1);
}
