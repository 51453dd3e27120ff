# check.mk: `make check`, per host: checkdb proves exactly-once, in-order
# delivery for the host's users (results/hNN/check.txt, last line key=value);
# then one summary over all hosts, printed and written to
# $(RESULTS)/summary.txt (sums of checkdb's fields, and each phase's wall time).
# `make summary` prints it again from whatever check.txt files exist.
# SLO='p99<250ms lost=0' holds the run against thresholds after the summary
# (stat-report: the latency from the recording $(STATS), lost... from the
# summary) and fails `make check` when one is broken, naming it: what a CI
# job needs. The names: docs/tools.md#stat-report.

SLO ?=
SLO_ARGS = $(if $(SLO),-s '$(SLO)' -S $(RESULTS)/summary.txt)

.PHONY: check summary $(NAMES:%=check-%)

check: $(CHECKED) | $(call before,check)
	$(Q)$(RESULTS_CMD) phase check $(PHASE_START) $(NAMES)
	$(Q)$(RESULTS_CMD) summary $(NAMES)
ifneq ($(SLO),)
	$(Q)$(BIN)/stat-report -q $(SLO_ARGS) $$([ -s $(STATS) ] && echo $(STATS))
endif

summary:
	$(Q)$(RESULTS_CMD) summary $(NAMES)

$(NAMES:%=check-%): check-%: $(RESULTS)/%/.checked

$(RESULTS)/%/.checked: $(RESULTS)/%/.ran
	@echo "[$*] check"
	$(Q)t0=$$(date +%s.%N) && \
	  $(HOST) -p check -e $(@D)/check.err -o $(@D)/check.txt $* node $(NODE_OPTS) check && \
	  echo "$$t0 $$(date +%s.%N)" >$(@D)/check.time
	$(Q)touch $@
