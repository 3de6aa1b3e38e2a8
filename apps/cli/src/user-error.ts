/**
 * A mistake the user can fix (a missing key, a bad flag). The CLI prints its message as one line and
 * exits 1, without a stack trace.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
