/** A command line the program cannot run; every bnkit CLI prints the message and exits with status 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
