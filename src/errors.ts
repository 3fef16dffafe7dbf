// Errors with stable codes (as undici and fastify do): callers branch on `code`, never on text.
export class KtsError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KtsError';
    this.code = code;
  }
}
