/** An error as a log line can carry it: never the request that holds a key. */
export const loggableError = (err: unknown) =>
  err instanceof Error ? { name: err.name, message: err.message } : { message: String(err) };
