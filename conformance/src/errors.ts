/*
 * Errors that stop a conformance run before any verdict (the CLI exits 2 on them). Core's typed errors cover
 * backends; these cover the suite's own inputs. Both carry a stable `code`.
 */

/** Options that make no sense together, are out of range, or name a missing directory. */
export class ConformanceUsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceUsageError';
  }
}

/**
 * A --path that names no input of the check replaying it: a run index past the property's runs is refused
 * when the command line is read, but whether its shrink steps exist is known only to the check's arbitrary.
 */
export class ReplayPathError extends ConformanceUsageError {
  constructor(path: string, detail: string) {
    super(`--path ${path} names no input of this check: ${detail}; replay the path the report printed, with its --seed and --filter`);
    this.name = 'ReplayPathError';
  }
}

/** A fixture file that is not valid bnkit-fixture/1: names the file and the offending field. */
export class MalformedFixtureError extends Error {
  readonly code = 'MALFORMED_FIXTURE';
  constructor(readonly file: string, readonly field: string, detail: string) {
    super(`malformed fixture ${file}: field '${field}' ${detail}`);
    this.name = 'MalformedFixtureError';
  }
}
