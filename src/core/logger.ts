/** The logging interface the core writes to; a runtime may pass its own (one that is silent on replay). */
export interface Logger {
  debug(message: string, attrs?: Record<string, unknown>): void;
  info(message: string, attrs?: Record<string, unknown>): void;
  warn(message: string, attrs?: Record<string, unknown>): void;
  error(message: string, attrs?: Record<string, unknown>): void;
}

/** Writes warnings and errors to the console and drops debug and info messages. */
export const consoleLogger: Logger = {
  debug() {},
  info() {},
  warn(message) {
    console.warn(`[pocketflow] ${message}`);
  },
  error(message) {
    console.error(`[pocketflow] ${message}`);
  },
};

/** Drops every message. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
