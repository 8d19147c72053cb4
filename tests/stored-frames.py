#!/usr/bin/env python3
"""stored-frames.py FILE: check that FILE is a run of the stored zstd frames
a cot tool writes into a pipe (lib/stream.c, RFC 8878): each frame the magic,
descriptor 0 (no content size, no checksum, no dictionary), window
descriptor 0x38 (128 KiB), then raw blocks of at most 128 KiB up to one
marked last.  Prints "frames F blocks B bytes N" (N: the content), exit 1
with the offset and what is wrong otherwise."""
import sys

def main(path):
    d = open(path, 'rb').read()
    i = frames = blocks = content = 0
    while i < len(d):
        if d[i:i + 6] != b'\x28\xb5\x2f\xfd\x00\x38':
            return f'{i}: not a stored frame header: {d[i:i + 6].hex()}'
        i += 6
        frames += 1
        while True:
            if i + 3 > len(d):
                return f'{i}: block header cut short'
            h = d[i] | d[i + 1] << 8 | d[i + 2] << 16
            last, kind, size = h & 1, h >> 1 & 3, h >> 3
            if kind != 0:
                return f'{i}: block type {kind}, not raw'
            if size > 1 << 17:
                return f'{i}: block of {size} bytes, over 128 KiB'
            i += 3
            if i + size > len(d):
                return f'{i}: block of {size} bytes cut short'
            i += size
            blocks += 1
            content += size
            if last:
                break
    print(f'frames {frames} blocks {blocks} bytes {content}')
    return None

if __name__ == '__main__':
    err = main(sys.argv[1])
    if err:
        print(f'{sys.argv[1]}: {err}', file=sys.stderr)
        sys.exit(1)
