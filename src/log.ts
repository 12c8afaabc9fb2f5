/**
 * Structured logs: pino JSON lines to `--log-file`, nothing when no file is given. Secrets never
 * reach a log: values are {@link Sensitive} (serialized as "(sensitive)") and known secret-bearing
 * keys are redacted as a second line of defence.
 */
import { pino, type Logger } from "pino";

export type { Logger };

export const REDACT_PATHS = ["password", "authString", "*.password", "*.authString", "env.*", "*.env.*", "secret", "*.secret"];

export function createLogger(options: { file?: string; level?: string } = {}): Logger {
  if (options.file === undefined) return pino({ enabled: false });
  return pino(
    { level: options.level ?? "debug", redact: { paths: REDACT_PATHS, censor: "(sensitive)" }, base: { pid: process.pid } },
    pino.destination({ dest: options.file, sync: true, mkdir: true }),
  );
}
