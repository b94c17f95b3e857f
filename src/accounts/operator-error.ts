/** Why an operator's request (admin API or CLI) was refused. The HTTP layer maps codes to statuses. */
export type OperatorErrorCode = 'account_not_found' | 'key_not_found' | 'model_not_found' | 'invalid_value';

export class OperatorError extends Error {
  constructor(
    readonly code: OperatorErrorCode,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'OperatorError';
  }
}
