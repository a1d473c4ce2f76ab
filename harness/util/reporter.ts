/** Where library code sends what people should see; the CLI decides how it is shown. */
export interface Reporter {
  /** A step or a progress line of a long phase. */
  progress(message: string): void;
  /** Something the user should notice. */
  warn(message: string): void;
}
