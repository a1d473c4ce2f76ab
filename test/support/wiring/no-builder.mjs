// A module that exports something, but no builder.
export const lockTimeoutMs = 60_000;
