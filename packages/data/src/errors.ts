/** Stable kinds of data errors, so callers can branch without parsing messages. */
export type DataErrorCode = 'DATA_FILE_MISSING' | 'DATA_FILE_MALFORMED' | 'DATA_INVALID_ARGUMENT';

export class DataError extends Error {
  readonly code: DataErrorCode;
  constructor(code: DataErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A data file that must exist does not. The message names it and lists what the folder must hold. */
export class MissingDataFileError extends DataError {
  readonly file: string;
  readonly expected: readonly string[];
  /** `hint` is appended to the message, e.g. which variants of the names are accepted. */
  constructor(file: string, expected: readonly string[], dir: string, hint = '') {
    super('DATA_FILE_MISSING', `missing data file ${file}; the folder ${dir} must hold ${expected.join(', ')}${hint}`);
    this.file = file;
    this.expected = expected;
  }
}

/** A data file exists but its content is not what its format requires. */
export class MalformedDataFileError extends DataError {
  readonly file: string;
  constructor(file: string, reason: string) {
    super('DATA_FILE_MALFORMED', `malformed data file ${file}: ${reason}`);
    this.file = file;
  }
}

/** An argument outside its allowed set (a batch size of 0, a negative count...). */
export class DataArgumentError extends DataError {
  constructor(message: string) {
    super('DATA_INVALID_ARGUMENT', message);
  }
}
