// Adapters for @vx/compliance: filled in by the compliance work.
export {};
