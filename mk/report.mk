# report.mk: `make report` writes $(RESULTS)/report.md from the per-host check
# results and the phase times (the seed's closing table, then one row per
# host; cs-results), then what the recording $(STATS) shows (stat-report):
# PNGs beside it (messages/s, SEND->ACK latency percentiles, CPU, memory),
# the whole run's latency percentiles with their bucket bounds, a row per
# host, the events. With SLO= the thresholds are held against the run and
# written into the report; one broken makes `make report` fail, after the
# report is written. On aws, `make destroy` appends the cost.

.PHONY: report

REPORT_TITLE = $(HOSTS) hosts, $(USERS) users, $(MSGS) messages to every friend

report: $(CHECKED) | $(call before,report)
	$(Q)$(RESULTS_CMD) report $(NAMES) >$(RESULTS)/report.md.tmp
	$(Q)rc=0; \
	if [ -s $(STATS) ]; then \
	  $(BIN)/stat-report -o $(RESULTS) -t '$(REPORT_TITLE)' $(SLO_ARGS) $(STATS) >>$(RESULTS)/report.md.tmp || rc=$$?; \
	else \
	  printf '\n(No recording: make run records $(STATS).)\n' >>$(RESULTS)/report.md.tmp; \
	  if [ -n '$(SLO)' ]; then $(BIN)/stat-report $(SLO_ARGS) >>$(RESULTS)/report.md.tmp || rc=$$?; fi; \
	fi; \
	mv $(RESULTS)/report.md.tmp $(RESULTS)/report.md && echo "[report] $(RESULTS)/report.md" && exit $$rc
