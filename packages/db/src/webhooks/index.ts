// Adapters for @vx/webhooks: filled in by the webhooks work.
export {};
