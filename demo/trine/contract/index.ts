// The contract between the trine host and its plugins: types only, so every
// import of it is erased at build time and no plugin carries a copy.

/** What alpha exports. */
export interface AlphaApi {
  /** Prints alpha's line and returns its build stamp. */
  pulse(): string;
}

/** What beta exports: it answers through alpha. */
export interface BetaApi {
  /** Prints beta's line, then alpha's; returns both stamps. */
  pulse(): string;
}

/** The three plugins: alpha ← beta ← gamma, and what the host calls on gamma. */
export interface TrineContract {
  plugins: {
    alpha: { exports: AlphaApi };
    beta: { imports: 'alpha'; exports: BetaApi };
    gamma: { imports: 'beta'; functions: { pulse(): string } };
  };
}
