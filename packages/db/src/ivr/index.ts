// Adapters for @vx/ivr: filled in by the ivr work.
export {};
