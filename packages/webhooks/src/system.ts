/** The production defaults of the injected ports (clock, randomness): the only place domain code reads them. */
import { randomBytes } from "node:crypto";

export type Clock = () => Date;
export type RandomBytes = (size: number) => Uint8Array;
/** A number in [0, 1), as Math.random. */
export type Random = () => number;

export const systemClock: Clock = () => new Date();

export const systemRandomBytes: RandomBytes = (size) => randomBytes(size);

export const systemRandom: Random = () => randomBytes(4).readUInt32BE(0) / 0x1_0000_0000;

/** A random UUID (version 4) from the given random source, so ids stay reproducible in tests. */
export function randomUuid(random: RandomBytes): string {
  const bytes = Buffer.from(random(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
