// Errors the CLI turns into exit codes: 1 for failures, 2 for usage errors.
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1, readonly details: string[] = []) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string, details: string[] = []) {
    super(message, 2, details);
    this.name = 'UsageError';
  }
}
