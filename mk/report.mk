# report.mk: `make report` writes $(RESULTS)/report.md from the per-host check
# results and the phase times (the seed's closing table, then one row per
# host). Plots from results/metrics.tsv join it with the monitoring tools.

.PHONY: report

report: $(CHECKED) | $(call before,report)
	$(Q)$(RESULTS_CMD) report $(NAMES) >$(RESULTS)/report.md.tmp
	$(Q)mv $(RESULTS)/report.md.tmp $(RESULTS)/report.md
	@echo "[report] $(RESULTS)/report.md"
