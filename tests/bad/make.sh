#!/usr/bin/env bash
# Regenerate the bad-input corpus (the files are committed; this documents
# how each was made).  Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")"
good='{"id":"g1","prompt":"2+2?","cot":"Add them.","answer":"4"}'
printf '%s\n{"id":"b1","prompt":"x",}\n' "$good" > invalid-json.jsonl
printf '%s\n["not","an","object"]\n' "$good" > not-object.jsonl
printf '%s\n{"id":"b2","answer":"caf\xe9"}\n' "$good" > invalid-utf8.jsonl
printf '%s\n{"id":"b3",\0"answer":"x"}\n' "$good" > nul-byte.jsonl
printf '%s\n{"id":"b4","answer":"a\\u0000b"}\n' "$good" > nul-escape.jsonl
{ echo "$good"; printf '{"d":'; for _ in $(seq 1500); do printf '['; done
  for _ in $(seq 1500); do printf ']'; done; echo '}'; } > deep-nesting.jsonl
printf '%s\n%s' "$good" "$good" > no-newline.jsonl
printf '%s\n{"id":"b5","prompt":"cut' "$good" > truncated-line.jsonl
printf '%s\r\n%s\r\n' "$good" "$good" > crlf.jsonl
printf '%s\n42\n' "$good" > number.jsonl
for i in $(seq 200); do echo "$good"; done | zstd -q -c > whole.jsonl.zst
head -c 40 whole.jsonl.zst > truncated.jsonl.zst
{ head -c 20 whole.jsonl.zst; printf 'garbage-in-the-middle'; tail -c +42 whole.jsonl.zst; } > corrupt.jsonl.zst
rm whole.jsonl.zst
echo "$good" | gzip -n -c > gzipped.jsonl.gz
printf '\xef\xbb\xbf%s\n' "$good" > bom.jsonl
