#!/usr/bin/env python3
# ISO/IEC 7064 MOD 37,36 (hybrid system, M = 36, alphabet 0-9 A-Z), written
# from the standard's description, independently of the Go code: a string
# WITH its check character is valid when, running the hybrid recurrence
#   S_j = (P_j + a_j) mod M   (a result of 0 counts as M)
#   P_j+1 = (2 * S_j) mod (M + 1),  P_1 = M
# the last S equals 1. The check character is found by trying each of the
# 36 characters and keeping the one that makes the string valid.
# Reads one licence identifier per line on stdin; prints each identifier's
# own check character, the computed one, and OK or BAD.
import sys

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
M = 36

def valid(s):
    p = M
    last = None
    for ch in s:
        a = ALPHABET.index(ch)
        last = (p + a) % M
        if last == 0:
            last = M
        p = (2 * last) % (M + 1)
    return last == 1

def check_char(body):
    found = [c for c in ALPHABET if valid(body + c)]
    assert len(found) == 1, (body, found)
    return found[0]

for line in sys.stdin:
    ident = line.strip()
    if not ident:
        continue
    parts = ident.split(".")
    # 1.2.156.3005.2 . type . issuer . sequence . version . check
    assert ".".join(parts[:5]) == "1.2.156.3005.2", ident
    body = "".join(parts[5:9])
    want = check_char(body)
    print(ident, parts[9], want, "OK" if parts[9] == want else "BAD")
