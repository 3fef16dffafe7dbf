// errno numbers <-> names (EEXIST <-> 17). The kernel reports errors as negative errno values in
// NLMSG_ERROR; callers branch on the name. Node's os.constants.errno is this platform's table.
import { constants } from 'node:os';

// Linux gives some numbers two names; these are the ones its headers and tools (strerror, ip)
// use, so error codes read the same as in the kernel's own messages.
const PREFERRED = new Set(['EAGAIN', 'EOPNOTSUPP', 'EDEADLK']);

const byNumber = new Map<number, string>();
for (const [name, num] of Object.entries(constants.errno)) {
  if (!byNumber.has(num) || PREFERRED.has(name)) byNumber.set(num, name);
}

/** 'EEXIST' for 17. An errno this platform does not name becomes 'ERRNO_<n>'. */
export function errnoName(errno: number): string {
  return byNumber.get(errno) ?? `ERRNO_${errno}`;
}

/** 17 for 'EEXIST'; undefined for a name this platform does not know. */
export function errnoNumber(name: string): number | undefined {
  return (constants.errno as Record<string, number>)[name];
}
