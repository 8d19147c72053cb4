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
# then one merge over exactly these partials, which prints the report and
# then the failing gate lines: `make audit` fails (exit 2 from make) when a
# gate fails or a merge is refused.
#
# Resume: every partial is written under a temporary name and renamed only
# when the whole pipeline succeeded (and .DELETE_ON_ERROR is set), so a
# failed shard leaves nothing a merge can pick up.  Each run asks
# `cot-stat --fresh` whether a shard's partial is still what this run would
# make -- the same cot-stat and AUDIT_STAT, the same tools and options
# (COT_*), the same shard number of the same count, and the shard and the
# extracted originals unchanged (size and mtime) -- and prints
# "audit: reused ..." or "audit: redoing ... (why)" for each shard.
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
AUDIT_N     := $(words $(SHARDS))
# What makes the records a partial summarises; a change redoes every shard.
AUDIT_PIPE   = $(COT_EXTRACT) SHARD | $(COT_DIFF) $(COT_DIFF_OPTS) $(AUDIT_ORIG) \
               | $(COT_JUDGE) $(COT_JUDGE_OPTS)

.PHONY: audit audit-clean audit-force
.DELETE_ON_ERROR:

# The report first, then the merge's messages (failing gates, refusals).
audit: $(AUDIT_PARTS)
	@rm -f $(AUDIT_DIR)/report $(AUDIT_DIR)/merge.err
	@$(COT_STAT) --merge $(AUDIT_GATES) $(AUDIT_REPORT) -o $(AUDIT_DIR)/report \
	  $(AUDIT_PARTS) 2> $(AUDIT_DIR)/merge.err; st=$$?; \
	  if [ -f $(AUDIT_DIR)/report ]; then cat $(AUDIT_DIR)/report; fi; \
	  cat $(AUDIT_DIR)/merge.err >&2; exit $$st

# The originals are extracted once and shared by every shard's cot-diff.
$(AUDIT_ORIG): $(ORIG)
	@mkdir -p $(@D)
	$(COT_EXTRACT) $(ORIG) > $@.tmp || { rm -f $@.tmp; exit 1; }; mv -f $@.tmp $@

# Shard K of N: its number, for --part K/N.
$(foreach k,$(shell seq 1 $(AUDIT_N)),$(eval \
  $(AUDIT_DIR)/parts/$(word $(k),$(SHARDS)).part: AUDIT_K := $(k)))

# Every run checks every partial (audit-force), since options can change
# without any file changing.  A pipeline's failure anywhere must fail the
# rule: bash with pipefail.
$(AUDIT_DIR)/parts/%.part: SHELL := /bin/bash
$(AUDIT_DIR)/parts/%.part: .SHELLFLAGS := -o pipefail -c
$(AUDIT_DIR)/parts/%.part: % $(AUDIT_ORIG) audit-force
	@mkdir -p $(@D); \
	fp=(--part $(AUDIT_K)/$(AUDIT_N) --source $< --source $(AUDIT_ORIG) \
	    --pipeline '$(subst ','\'',$(AUDIT_PIPE))'); \
	if why=$$($(COT_STAT) --fresh $@ $(AUDIT_STAT) "$${fp[@]}" 2>&1); then \
	  echo "audit: reused $@"; \
	else \
	  echo "audit: redoing $@ ($${why#*: *: })"; \
	  rm -f $@ $@.tmp; \
	  $(COT_EXTRACT) $< | $(COT_DIFF) $(COT_DIFF_OPTS) $(AUDIT_ORIG) \
	    | $(COT_JUDGE) $(COT_JUDGE_OPTS) \
	    | $(COT_STAT) --partial $(AUDIT_STAT) "$${fp[@]}" -o $@.tmp \
	    && mv -f $@.tmp $@ || { rm -f $@.tmp; echo "audit: $< failed" >&2; exit 1; }; \
	fi

audit-clean:
	rm -rf $(AUDIT_DIR)
