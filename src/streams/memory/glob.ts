/**
 * Redis glob matching (SCAN MATCH, KEYS), ported from stringmatchlen() in Redis' util.c so the
 * shim lists exactly the keys Redis would: '*', '?', '[abc]', '[^abc]', '[a-z]' (reversed ranges
 * allowed), and '\' escaping the next character, inside brackets too. It works on UTF-8 bytes, as
 * Redis does, so '?' matches one byte, not one character.
 */

/** True when `key` matches the Redis glob `pattern`. */
export function globMatch(pattern: string, key: string): boolean {
  const state = { skipLonger: false };
  return matchAt(Buffer.from(pattern, 'utf8'), 0, Buffer.from(key, 'utf8'), 0, state);
}

// Byte at i, or 0 past the end (the C code reads the NUL terminator there).
function at(b: Buffer, i: number): number {
  return i < b.length ? b[i]! : 0;
}

const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CARET = 0x5e;
const BACKSLASH = 0x5c;
const DASH = 0x2d;

function matchAt(p: Buffer, pi: number, s: Buffer, si: number, state: { skipLonger: boolean }): boolean {
  let plen = p.length - pi;
  let slen = s.length - si;
  while (plen > 0 && slen > 0) {
    switch (at(p, pi)) {
      case STAR: {
        while (plen > 1 && at(p, pi + 1) === STAR) {
          pi++;
          plen--;
        }
        if (plen === 1) return true;
        while (slen > 0) {
          if (matchAt(p, pi + 1, s, si, state)) return true;
          // A later '*' already failed from every position: longer matches here cannot help.
          if (state.skipLonger) return false;
          si++;
          slen--;
        }
        state.skipLonger = true;
        return false;
      }
      case QUESTION:
        si++;
        slen--;
        break;
      case OPEN: {
        pi++;
        plen--;
        const not = at(p, pi) === CARET;
        if (not) {
          pi++;
          plen--;
        }
        let match = false;
        for (;;) {
          if (at(p, pi) === BACKSLASH && plen >= 2) {
            pi++;
            plen--;
            if (at(p, pi) === at(s, si)) match = true;
          } else if (at(p, pi) === CLOSE) {
            break;
          } else if (plen === 0) {
            // Unterminated '[': step back so the shared advance below lands at the end.
            pi--;
            plen++;
            break;
          } else if (plen >= 3 && at(p, pi + 1) === DASH) {
            let start = at(p, pi);
            let end = at(p, pi + 2);
            if (start > end) [start, end] = [end, start];
            const c = at(s, si);
            pi += 2;
            plen -= 2;
            if (c >= start && c <= end) match = true;
          } else if (at(p, pi) === at(s, si)) {
            match = true;
          }
          pi++;
          plen--;
        }
        if (not) match = !match;
        if (!match) return false;
        si++;
        slen--;
        break;
      }
      case BACKSLASH:
        if (plen >= 2) {
          pi++;
          plen--;
        }
        if (at(p, pi) !== at(s, si)) return false;
        si++;
        slen--;
        break;
      default:
        if (at(p, pi) !== at(s, si)) return false;
        si++;
        slen--;
        break;
    }
    pi++;
    plen--;
    if (slen === 0) {
      while (plen > 0 && at(p, pi) === STAR) {
        pi++;
        plen--;
      }
      break;
    }
  }
  return plen === 0 && slen === 0;
}
