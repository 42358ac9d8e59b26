// This version's own facts, for its live functions and types in other modules.
export const self = { stamp: '' };
