# audit.mk -- a sharded SFT audit as a Makefile fragment (see cot(7)).
#
# Include it from your Makefile, name the shards and the model's own
# rollouts, and run `make -j8 audit`:
#
#     SHARDS := $(wildcard sft/*.jsonl.zst)     # raw SFT shards
#     ORIG   := rollouts.jsonl.zst              # raw originals (rollouts)
#     AUDIT_GATES := --max-rate judge.verdict=rationalized:0.01
#     include /usr/local/share/cot/audit.mk     # or samples/audit.mk
#
# Per shard (in parallel under make -j):
#     cot-extract SHARD | cot-diff ORIG | cot-judge | cot-stat --partial ...
# then one merge over all partials, which prints the report and applies the
# gates: `make audit` fails (exit 2 from make) when a gate fails.  A shard
# is only redone when it changed; the merge reruns every time (it is cheap).
#
# Variables (override on the command line or before the include):
#   SHARDS        raw shard files (required)
#   ORIG          raw originals, extracted once (required)
#   AUDIT_DIR     where partials and the report go          [audit]
#   AUDIT_STAT    figures to collect (same for every shard)
#                 [--by meta.env --count judge.verdict,diff.edit,diff.status
#                  --num diff.cot.similarity]
#   AUDIT_GATES   gates for the final merge  [--max-rate judge.verdict=rationalized:0.01]
#   AUDIT_REPORT  report format options for the merge, e.g. --json --svg FILE []
#   COT_EXTRACT, COT_DIFF, COT_JUDGE, COT_STAT   the tools [cot-extract ...]
#   COT_DIFF_OPTS, COT_JUDGE_OPTS               extra options []

AUDIT_DIR    ?= audit
AUDIT_STAT   ?= --by meta.env --count judge.verdict,diff.edit,diff.status \
                --num diff.cot.similarity
AUDIT_GATES  ?= --max-rate judge.verdict=rationalized:0.01
AUDIT_REPORT ?=
COT_EXTRACT  ?= cot-extract
COT_DIFF     ?= cot-diff
COT_JUDGE    ?= cot-judge
COT_STAT     ?= cot-stat
COT_DIFF_OPTS  ?=
COT_JUDGE_OPTS ?=

AUDIT_ORIG  := $(AUDIT_DIR)/orig.zst
AUDIT_PARTS := $(SHARDS:%=$(AUDIT_DIR)/parts/%.part)

.PHONY: audit audit-clean

audit: $(AUDIT_PARTS)
	$(COT_STAT) --merge $(AUDIT_GATES) $(AUDIT_REPORT) -o $(AUDIT_DIR)/report $(AUDIT_PARTS)
	@cat $(AUDIT_DIR)/report

# The originals are extracted once and shared by every shard's cot-diff.
$(AUDIT_ORIG): $(ORIG)
	@mkdir -p $(@D)
	$(COT_EXTRACT) $(ORIG) > $@.tmp && mv $@.tmp $@

# A pipeline's failure anywhere must fail the rule: bash with pipefail.
$(AUDIT_DIR)/parts/%.part: SHELL := /bin/bash
$(AUDIT_DIR)/parts/%.part: .SHELLFLAGS := -o pipefail -c
$(AUDIT_DIR)/parts/%.part: % $(AUDIT_ORIG)
	@mkdir -p $(@D)
	$(COT_EXTRACT) $< | $(COT_DIFF) $(COT_DIFF_OPTS) $(AUDIT_ORIG) \
	  | $(COT_JUDGE) $(COT_JUDGE_OPTS) | $(COT_STAT) --partial $(AUDIT_STAT) -o $@

audit-clean:
	rm -rf $(AUDIT_DIR)
