// The byte-wise order VRRP uses to break priority ties (RFC 5798 §6.4.3: the higher primary
// address wins, compared as unsigned integers).
import { addressBytes } from '../net/inet.js';

/** Negative, zero or positive as `a` is below, equal to or above `b` (same family). */
export function compareAddresses(a: string, b: string): number {
  return Buffer.compare(addressBytes(a), addressBytes(b));
}
