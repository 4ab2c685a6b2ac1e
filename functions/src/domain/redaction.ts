/** Secret redaction rules (shared with the runner, so they live in the contract): see contract/src/redaction.ts. */
export { createRedactor, cutTail, encodedForms, REDACTED, SECRET_MIN_LENGTH, type Redactor, type Straddle } from '@agent-marketplace/contract/redaction';
