import { SqlError, SqlState } from '../../common/errors';

/**
 * Stored bytes that fail a check (checksum, magic, bounds). Always names the file and the
 * byte offset so an operator can look at it; the engine never answers from such bytes.
 */
export class LsmCorruptionError extends SqlError {
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, what: string) {
    super(SqlState.dataCorrupted, `LSM corruption in ${file} at offset ${offset}: ${what}`, {
      detail: `file=${file} offset=${offset}`,
      severity: 'ERROR',
    });
    this.name = 'LsmCorruptionError';
    this.file = file;
    this.offset = offset;
  }
}

/** The engine was used after close, or a background failure made it read-only. */
export class LsmStateError extends SqlError {
  constructor(message: string) {
    super(SqlState.objectNotInPrerequisiteState, message);
    this.name = 'LsmStateError';
  }
}
