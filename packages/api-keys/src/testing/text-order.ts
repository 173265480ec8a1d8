/**
 * Orders strings as Postgres does under the C / C.UTF-8 collation (byte by byte in UTF-8), so the memory
 * repositories list in the order the databases our tests run on list. `localeCompare` and `<` on UTF-16 code
 * units would disagree with it for some inputs ("Z" < "a" in bytes, not in a locale).
 */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
